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
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import pg from "pg";
import { startThrowawayPostgres } from "../lib/embedded-postgres";
import { migrate } from "../lib/migrations";

type Outcome = "passed" | "failed" | "not run";

interface Layer {
  name: string;
  run: () => Promise<boolean>;
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

/** Runs a binary from node_modules/.bin with the terminal attached; true if it exits 0. */
function tool(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  console.log(`$ ${bin} ${args.join(" ")}`);
  return new Promise((resolve) => {
    const child = spawn(path.join(root, "node_modules", ".bin", bin), args, {
      stdio: "inherit",
      env,
      shell: process.platform === "win32", // .cmd shims
    });
    running = child;
    child.on("error", (error) => {
      console.error(`Could not run ${bin}: ${error.message}`);
      resolve(false);
    });
    child.on("exit", (code) => resolve(code === 0));
  });
}

function vitest(project: string): Promise<boolean> {
  // test/support/db.ts makes a database per test file on this server; without it, the
  // integration project's global setup starts an embedded PostgreSQL for the run.
  const extra: Record<string, string> = serverUrl ? { KEYWAY_TEST_PG_URL: process.env.KEYWAY_TEST_PG_URL ?? serverUrl } : {};
  return tool("vitest", ["run", "--project", project], toolEnv(extra));
}

/** A migrated database for the browser tests, and how to get rid of it. */
async function e2eDatabase(): Promise<{ url: string; dispose: () => Promise<void> }> {
  if (serverUrl) {
    const name = `keyway_e2e_${Date.now()}`;
    const admin = async (sql: string) => {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    await admin(`CREATE DATABASE "${name}"`);
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    console.log(`Browser tests use a new database ${name} on the DATABASE_URL server.`);
    return { url: url.toString(), dispose: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
  }
  const server = await startThrowawayPostgres("keyway-e2e-pg");
  console.log(`Browser tests use a throwaway embedded PostgreSQL on 127.0.0.1:${server.port} (log: ${server.logFile}).`);
  return { url: server.url, dispose: () => server.stop() };
}

async function e2e(): Promise<boolean> {
  const database = await e2eDatabase();
  try {
    await migrate(database.url);
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

const layers: Layer[] = [
  { name: "typecheck", run: () => tool("tsc", ["--noEmit"], toolEnv()) },
  { name: "lint", run: () => tool("eslint", ["."], toolEnv()) },
  { name: "unit", run: () => vitest("unit") },
  { name: "integration", run: () => vitest("integration") },
  // No DATABASE_URL: a page that queries the database while building is a bug to see here, not in production.
  { name: "build", run: () => tool("next", ["build"], toolEnv()) },
  { name: "e2e", run: e2e },
];

function seconds(ms: number): string {
  return ms >= 60_000 ? `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}

async function main(): Promise<number> {
  const started = Date.now();
  const results: { name: string; outcome: Outcome; ms: number }[] = [];
  let failed = false;
  for (const layer of layers) {
    if (failed || interrupted) {
      results.push({ name: layer.name, outcome: "not run", ms: 0 });
      continue;
    }
    console.log(`\n━━ ${layer.name} ━━`);
    const layerStart = Date.now();
    let ok: boolean;
    try {
      ok = (await layer.run()) && !interrupted;
    } catch (error) {
      console.error(error instanceof Error ? (error.stack ?? error.message) : error);
      ok = false;
    }
    const ms = Date.now() - layerStart;
    console.log(`━━ ${layer.name} ${ok ? "passed" : "FAILED"} in ${seconds(ms)}`);
    results.push({ name: layer.name, outcome: ok ? "passed" : "failed", ms });
    failed ||= !ok;
  }

  console.log("\nSummary");
  for (const { name, outcome, ms } of results) {
    console.log(`  ${name.padEnd(12)} ${outcome.padEnd(8)} ${outcome === "not run" ? "" : seconds(ms)}`);
  }
  console.log(`  ${"total".padEnd(12)} ${"".padEnd(8)} ${seconds(Date.now() - started)}`);
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
