// `npm test`: every layer of tests, cheapest first, stopping at the first
// failure (a type error makes the slower layers' failures noise).
//
// Databases (DESIGN.md, "Embedded default"): with DATABASE_URL (CI, a real
// Postgres) the tests make throwaway databases on that server; without it (a
// machine with only Node.js) on a throwaway embedded PostgreSQL server
// (lib/embedded-postgres.ts). Either way nothing touches the database
// DATABASE_URL names.
//
// CI reads the last line, "<n> passed, <n> failed" (layers), so nothing may be
// printed after it.
//
// `npm test -- <layer> …` runs only the named layers (building first when the
// browser tests need a build that does not match the code). A slow machine:
// KEYWAY_TEST_TIME_SCALE multiplies every time-out (test/support/time-scale.ts).
import { execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { TIME_SCALE } from "../test/support/time-scale";
import { rebuildReason } from "./build-stamp";
import { e2eDatabase } from "./e2e-database";

type Outcome = "passed" | "failed" | "not run";

interface Layer {
  name: string;
  run: () => Promise<boolean>;
  /** The command that reruns just this layer. */
  rerun: string;
}

const root = process.cwd();
const serverUrl = process.env.DATABASE_URL;

// Ctrl-C reaches the running tool too (same process group); this process
// stays alive to clean up (drop the e2e database, stop its server) once it exits.
// SIGTERM reaches only us, so it is passed on.
let interrupted = false;
let running: ReturnType<typeof spawn> | undefined;
process.on("SIGINT", () => (interrupted = true));
process.on("SIGTERM", () => {
  interrupted = true;
  running?.kill("SIGTERM");
});

/** A fresh environment for a tool: DATABASE_URL removed so no test can reach the caller's database by accident. */
function toolEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { NEXT_TELEMETRY_DISABLED: "1", ...process.env, ...extra };
  if (!("DATABASE_URL" in extra)) delete env.DATABASE_URL;
  return env;
}

// How Vitest and Playwright report a test or hook that ran out of time.
const TIME_OUT = /Test timeout of \d+ms exceeded|Timeout \d+ms exceeded|(Test|Hook) timed out in \d+ms|Timed out \d+ms waiting/;
// Set when the running layer's output reported a time-out, so its failure can say so.
let timedOut = false;

/** Runs a binary from node_modules/.bin, its output passed through (and watched for time-outs); true if it exits 0. */
function tool(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  console.log(`$ ${bin} ${args.join(" ")}`);
  return new Promise((resolve) => {
    const child = spawn(path.join(root, "node_modules", ".bin", bin), args, {
      stdio: ["inherit", "pipe", "pipe"],
      // Piped output is not a terminal; keep the colours the terminal would have had.
      env: process.stdout.isTTY && !("NO_COLOR" in env) ? { FORCE_COLOR: "1", ...env } : env,
      shell: process.platform === "win32", // .cmd shims
    });
    running = child;
    const watch = (to: NodeJS.WriteStream) => (chunk: Buffer) => {
      to.write(chunk);
      if (TIME_OUT.test(chunk.toString("utf8"))) timedOut = true;
    };
    child.stdout!.on("data", watch(process.stdout));
    child.stderr!.on("data", watch(process.stderr));
    child.on("error", (error) => {
      console.error(`Could not run ${bin}: ${error.message}`);
      resolve(false);
    });
    child.on("close", (code) => resolve(code === 0));
  });
}

function vitest(project: string, extra: Record<string, string> = {}): Promise<boolean> {
  // test/support/db.ts makes a database per test file on this server; without it, the
  // integration project's global setup starts an embedded PostgreSQL for the run.
  if (serverUrl) extra = { KEYWAY_TEST_PG_URL: process.env.KEYWAY_TEST_PG_URL ?? serverUrl, ...extra };
  return tool("vitest", ["run", "--project", project], toolEnv(extra));
}

async function e2e(): Promise<boolean> {
  const database = await e2eDatabase(serverUrl);
  try {
    // playwright.config.ts starts two app instances (server.ts) with this environment.
    const env = toolEnv({
      DATABASE_URL: database.url,
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      KEYWAY_PUBLIC_URL: `http://127.0.0.1:${process.env.KEYWAY_E2E_PORT ?? 3100}`,
      NODE_ENV: "production",
    });
    return await tool("playwright", ["test"], env);
  } finally {
    await database.dispose().catch((error: unknown) => console.error("Could not remove the e2e database:", error));
  }
}

/** `npm run build` (next build and its stamp), unless .next already holds a build of exactly this code. */
async function build(): Promise<boolean> {
  const why = rebuildReason(root);
  if (!why) {
    console.log("The build in .next was made from exactly this code (its stamp matches): not rebuilding.");
    return true;
  }
  console.log(`${why}: building.`);
  // No DATABASE_URL: a page that queries the database while building is a bug to see here, not in production.
  return tool("tsx", ["scripts/build.ts"], toolEnv());
}

function readmeStart(extra: Record<string, string> = {}): Promise<boolean> {
  return tool("playwright", ["test", "--config", "playwright.readme-start.config.ts"], toolEnv(extra));
}

/**
 * KEYWAY_TEST_ALSO_NODE: the path of another Node.js binary (.ci/run fetches
 * the newest line) on which the layers that depend on the runtime run again:
 * first on PATH, it runs the tools (their `#!/usr/bin/env node`), npm and the
 * app they start. The build is JavaScript and is shared.
 */
function alsoOnNode(): Layer[] {
  const node = process.env.KEYWAY_TEST_ALSO_NODE;
  if (!node) return [];
  const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
  const env = { PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH ?? ""}` };
  const tag = `@node${version.replace(/^v/, "").split(".")[0]}`;
  const rerun = (layer: string) => `PATH=${path.dirname(node)}:$PATH npm test -- ${layer}`;
  return [
    { name: `unit${tag}`, run: () => vitest("unit", env), rerun: rerun("unit") },
    { name: `integration${tag}`, run: () => vitest("integration", env), rerun: rerun("integration") },
    { name: `readme-start${tag}`, run: () => readmeStart(env), rerun: rerun("readme-start") },
  ];
}

const layers: Layer[] = [
  { name: "typecheck", run: () => tool("tsc", ["--noEmit"], toolEnv()), rerun: "npx tsc --noEmit" },
  { name: "lint", run: () => tool("eslint", ["."], toolEnv()), rerun: "npx eslint ." },
  { name: "unit", run: () => vitest("unit"), rerun: "npm test -- unit" },
  { name: "integration", run: () => vitest("integration"), rerun: "npm test -- integration" },
  { name: "build", run: build, rerun: "npm run build" },
  { name: "e2e", run: e2e, rerun: "npm test -- e2e   (one file: add -- e2e/<name>.spec.ts to a `npx playwright test` as playwright.config.ts describes)" },
  // `npm start` as the README says, in a copy of the checkout with an empty environment (e2e/readme-start.spec.ts).
  { name: "readme-start", run: () => readmeStart(), rerun: "npm test -- readme-start" },
  ...alsoOnNode(),
];
const needBuild = new Set(layers.filter((layer) => /^(e2e|readme-start)/.test(layer.name)).map((layer) => layer.name));

function seconds(ms: number): string {
  return ms >= 60_000 ? `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** The layers named on the command line (all without names), plus the build when a browser layer needs one. */
function selectedLayers(): Layer[] {
  const names = process.argv.slice(2);
  const unknown = names.filter((name) => !layers.some((layer) => layer.name === name));
  if (unknown.length) {
    console.error(`Unknown layer ${unknown.join(", ")}; the layers are ${layers.map((layer) => layer.name).join(", ")}.`);
    console.log("0 passed, 1 failed");
    process.exit(2);
  }
  if (names.length === 0) return layers;
  const wanted = new Set(names);
  if (names.some((name) => needBuild.has(name)) && rebuildReason(root)) wanted.add("build");
  return layers.filter((layer) => wanted.has(layer.name));
}

async function main(): Promise<number> {
  const started = Date.now();
  const results: { name: string; outcome: Outcome; ms: number }[] = [];
  let failed = false;
  const chosen = selectedLayers();
  if (TIME_SCALE !== 1) console.log(`Time-outs are scaled by ${TIME_SCALE} (KEYWAY_TEST_TIME_SCALE${process.env.KEYWAY_TEST_TIME_SCALE ? "" : ", 2 under CI"}).`);
  for (const layer of chosen) {
    if (failed || interrupted) {
      results.push({ name: layer.name, outcome: "not run", ms: 0 });
      continue;
    }
    console.log(`\n━━ ${layer.name} ━━`);
    const layerStart = Date.now();
    timedOut = false;
    let ok: boolean;
    try {
      ok = (await layer.run()) && !interrupted;
    } catch (error) {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      ok = false;
    }
    const ms = Date.now() - layerStart;
    console.log(`━━ ${layer.name} ${ok ? "passed" : "FAILED"} in ${seconds(ms)}`);
    if (!ok && !interrupted) {
      if (timedOut) {
        console.log(
          `   It failed on a time-out (see above). On a busy or slow machine that is the machine, not necessarily the code:\n` +
            `   rerun it with longer time-outs, e.g. KEYWAY_TEST_TIME_SCALE=${TIME_SCALE * 2} ${layer.rerun}`,
        );
      } else {
        console.log(`   Rerun just this layer: ${layer.rerun}`);
      }
    }
    results.push({ name: layer.name, outcome: ok ? "passed" : "failed", ms });
    failed ||= !ok;
  }

  console.log("\nSummary");
  for (const { name, outcome, ms } of results) {
    console.log(`  ${name.padEnd(20)} ${outcome.padEnd(8)} ${outcome === "not run" ? "" : seconds(ms)}`);
  }
  console.log(`  ${"total".padEnd(20)} ${"".padEnd(8)} ${seconds(Date.now() - started)}`);
  const passed = results.filter((r) => r.outcome === "passed").length;
  const failures = results.filter((r) => r.outcome === "failed").length;
  console.log(`${passed} passed, ${failures} failed`);
  return failed || interrupted ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    console.log("0 passed, 1 failed");
    process.exit(1);
  },
);
