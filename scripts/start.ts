// `npm start` (production server) and `npm run dev` (`--dev`, Next in development mode), both through server.ts.
//
// One command has to take a machine with only Node.js to a running Keyway
// (SPEC.md, "Running it"), so this script supplies what such a machine lacks:
// a Postgres (an embedded PostgreSQL server in .data/postgres when DATABASE_URL
// is not set), the migrations, a development AUTH_SECRET, and a production build.
// The app runs in a child process; the database is stopped only after Next has
// let go of its connections.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { constants as osConstants } from "node:os";
import path from "node:path";
import { developmentKeyEntry, loadKeyring } from "../lib/crypto/keyring";
import { startEmbeddedPostgres as startServer, type EmbeddedPostgres } from "../lib/embedded-postgres";
import { migrate, redactDatabaseUrl } from "../lib/migrations";
import { carryOverPglite } from "../lib/pglite-carry-over";
import { parseAllowList } from "../lib/outbound/address-policy";
import { rebuildReason, writeBuildStamp } from "./build-stamp";

const dev = process.argv.includes("--dev");
const root = process.cwd(); // npm runs scripts at the package root
const dataDir = path.join(root, ".data");
const postgresDir = path.join(dataDir, "postgres");
const port = Number(process.env.PORT ?? 3000);
const require = createRequire(import.meta.url);
const nextBin = require.resolve("next/dist/bin/next");
// Next's own .env loader (installed with next), so this script sees the same
// DATABASE_URL and AUTH_SECRET that Next will read from .env files. Loaded with
// require: it is a bundled CommonJS module whose exports ESM imports cannot see.
const { loadEnvConfig } = require("@next/env") as typeof import("@next/env");

// Set once the embedded server is up, so every exit path stops it (else it would outlive us).
let embedded: { server: EmbeddedPostgres; lockFile: string } | undefined;
// The Next process of the moment (build, then start or dev), to pass signals on to.
let current: ChildProcess | undefined;
let stopRequested = false;

// Ctrl-C reaches the child too (same process group), but `kill <pid>` or a
// supervisor's SIGTERM reaches only us; forwarding covers both. A signal that
// arrives before Next runs stops us at the next step, so the database still
// stops cleanly. If Next hangs on shutdown, don't hang with it.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopRequested = true;
    if (current && current.exitCode === null && current.signalCode === null) {
      current.kill(signal);
      const child = current;
      setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
    }
  });
}

function fail(message: string): never {
  console.error(`\n${message}\n`);
  throw new ExitError(1);
}

class ExitError extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Auth.js signs sessions with AUTH_SECRET; a random one per start would sign everyone out on every restart. */
function ensureAuthSecret(env: NodeJS.ProcessEnv) {
  if (env.AUTH_SECRET) return;
  if (env.NODE_ENV === "production") {
    fail(
      "AUTH_SECRET is not set, and NODE_ENV is production: refusing to start.\n" +
        "Set AUTH_SECRET to a long random value that stays the same across restarts and instances,\n" +
        "for example the output of `openssl rand -base64 32`.",
    );
  }
  const file = path.join(dataDir, "auth-secret");
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString("base64url") + "\n", { mode: 0o600, flag: "wx" });
  }
  env.AUTH_SECRET = readFileSync(file, "utf8").trim();
  console.warn(
    "Warning: AUTH_SECRET is not set; using the development secret kept in .data/auth-secret.\n" +
      "         Set AUTH_SECRET in production.",
  );
}

/** A malformed KEYWAY_OUTBOUND_ALLOW would otherwise surface only on the first test request. */
function checkOutboundAllowList(env: NodeJS.ProcessEnv) {
  try {
    parseAllowList(env.KEYWAY_OUTBOUND_ALLOW ?? "");
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Refuses to start with a keyring the app would refuse on its first secret,
 * rather than serving until then; without one (and NODE_ENV not production)
 * hands the development key to the server like the development AUTH_SECRET:
 * the server always runs with NODE_ENV=production (Next sets it), where a
 * missing KEYWAY_ENCRYPTION_KEYS is an error.
 */
function ensureEncryptionKeys(env: NodeJS.ProcessEnv) {
  try {
    // The same rules the app applies; in development this creates (or reads) .data/encryption-key and says so.
    loadKeyring({ env: { KEYWAY_ENCRYPTION_KEYS: env.KEYWAY_ENCRYPTION_KEYS, NODE_ENV: env.NODE_ENV }, dataDir, warn: (message) => console.warn(message) });
  } catch (error) {
    fail(error instanceof Error ? error.message : String(error));
  }
  if (!env.KEYWAY_ENCRYPTION_KEYS?.trim()) env.KEYWAY_ENCRYPTION_KEYS = developmentKeyEntry(dataDir);
}

/**
 * One Keyway per embedded database: a second `npm start` must stop here rather
 * than take over the server the first one runs. A lock left by a start that was
 * killed names a process that is gone; its server, if still running, is then
 * stopped and started afresh (lib/embedded-postgres.ts).
 */
function takeDataDirLock(): string {
  const lockFile = path.join(dataDir, "postgres.lock");
  mkdirSync(dataDir, { recursive: true });
  if (existsSync(lockFile)) {
    const pid = Number(readFileSync(lockFile, "utf8"));
    if (pid && pid !== process.pid && isAlive(pid)) {
      fail(
        `Another Keyway (process ${pid}) is already using the embedded database in .data/postgres.\n` +
          "Stop it first, or set DATABASE_URL to a Postgres server that several instances can share.",
      );
    }
  }
  writeFileSync(lockFile, String(process.pid));
  return lockFile;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function startEmbeddedPostgres(): Promise<{ url: string; address: string }> {
  const lockFile = takeDataDirLock();
  const wanted = Number(process.env.KEYWAY_EMBEDDED_DB_PORT || 54329);
  console.log("Starting the embedded database (PostgreSQL) in .data/postgres…");
  try {
    const server = await startServer({
      dataDir: postgresDir,
      port: wanted,
      logFile: path.join(dataDir, "postgres.log"),
      log: (line) => console.log(line),
    });
    embedded = { server, lockFile };
  } catch (error) {
    rmSync(lockFile, { force: true });
    fail(error instanceof Error ? error.message : String(error));
  }
  const { server } = embedded;
  if (server.port !== wanted) console.log(`Port ${wanted} is taken; the embedded database listens on 127.0.0.1:${server.port} instead.`);
  // Before migrating: the dump carries the PGlite database's own migration history.
  const carried = await carryOverPglite({ pgliteDir: path.join(dataDir, "pglite"), targetUrl: server.url, log: (line) => console.log(line) }).catch(
    (error: unknown) => fail(error instanceof Error ? error.message : String(error)),
  );
  if (carried) {
    const rows = Object.values(carried.rows).reduce((sum, n) => sum + n, 0);
    console.log(`Carried ${rows} rows over from PGlite; its directory is kept as ${path.relative(root, carried.keptAt)} (delete it once you are content).`);
  }
  return { url: server.url, address: `127.0.0.1:${server.port}` };
}

async function stopEmbeddedPostgres() {
  if (!embedded) return;
  const { server, lockFile } = embedded;
  embedded = undefined;
  await server.stop();
  rmSync(lockFile, { force: true });
}

type Ending = { code: number; how: string };

/** Starts `node <args>` with the terminal attached; `exit` resolves with its exit code and how it ended, in words. */
function runNode(args: string[], env: NodeJS.ProcessEnv): { exit: Promise<Ending> } {
  const child = spawn(process.execPath, args, { stdio: "inherit", env });
  current = child;
  const exit = new Promise<Ending>((resolve) => {
    child.on("error", (error) => resolve({ code: 1, how: `could not be started (${error.message})` }));
    child.on("exit", (code, signal) =>
      resolve(
        signal
          ? { code: 128 + osConstants.signals[signal], how: `was killed by signal ${signal}` }
          : { code: code ?? 1, how: `exited with code ${code}` },
      ),
    );
  });
  return { exit };
}

// Ctrl-C is how everyone stops `npm start`: not a failure, so exit 0 (npm adds
// an error report to any other code) and let the final line say it stopped.
function checkStop() {
  if (stopRequested) throw new ExitError(0);
}

/** Polls until the server answers any HTTP request (a 404 or redirect counts), or the child has gone. */
async function waitUntilAnswering(url: string, stillRunning: () => boolean): Promise<boolean> {
  while (stillRunning()) {
    try {
      // Generous timeout: in dev the first request compiles the page.
      await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(120_000) });
      return true;
    } catch {
      await new Promise((r) => setTimeout(r, 300));
    }
  }
  return false;
}

async function main(): Promise<number> {
  loadEnvConfig(root, dev);
  const env: NodeJS.ProcessEnv = { ...process.env };
  // A self-hosted credentials store should not report home by default (Next's
  // build telemetry); an empty NEXT_TELEMETRY_DISABLED= leaves it to `next telemetry`.
  env.NEXT_TELEMETRY_DISABLED ??= "1";
  ensureAuthSecret(env);
  ensureEncryptionKeys(env);
  checkOutboundAllowList(env);

  let databaseLine: string;
  if (env.DATABASE_URL) {
    databaseLine = redactDatabaseUrl(env.DATABASE_URL);
  } else {
    const { url, address } = await startEmbeddedPostgres();
    env.DATABASE_URL = url;
    databaseLine = `embedded PostgreSQL in .data/postgres on ${address} (log: .data/postgres.log)`;
  }
  checkStop();

  const { applied, alreadyApplied } = await migrate(env.DATABASE_URL, { log: (line) => console.log(line) });
  const plural = (n: number) => `${n} migration${n === 1 ? "" : "s"}`;
  console.log(applied.length ? `Applied ${plural(applied.length)}.` : `Database is up to date (${plural(alreadyApplied)} applied).`);
  checkStop();

  // The app builds its own links (OAuth callback, invitations) from this; without it they would say port 3000.
  env.KEYWAY_PUBLIC_URL ||= `http://localhost:${port}`;

  const whyBuild = dev ? undefined : rebuildReason(root);
  if (whyBuild) {
    console.log(`${whyBuild}: building it with \`next build\` (a minute or two)…`);
    const { code } = await runNode([nextBin, "build"], env).exit;
    checkStop();
    if (code !== 0) fail("`next build` failed; see above.");
    writeBuildStamp(root);
  }

  // server.ts: Next for the app, the proxy's hot path without Next's request pipeline, and the agents' WebSocket.
  const { exit } = runNode(["--import", "tsx", "server.ts"], { ...env, PORT: String(port), ...(dev ? { KEYWAY_DEV: "1" } : {}) });
  let exited = false;
  void exit.then(() => (exited = true));

  if (await waitUntilAnswering(`http://127.0.0.1:${port}/`, () => !exited)) {
    console.log(`\nKeyway is running at ${env.KEYWAY_PUBLIC_URL}`);
    console.log(`Database: ${databaseLine}`);
    console.log(`\nOpen ${env.KEYWAY_PUBLIC_URL} and create an account. Ctrl-C stops it.\n`);
  }
  const { code, how } = await exit;
  if (stopRequested) return 0;
  // A crash (out of memory, a kill -9, an uncaught error) should not look like a clean stop.
  console.error(`\nThe Keyway server ${how}; see its messages above.`);
  return code || 1;
}

main()
  .catch((error: unknown) => {
    if (error instanceof ExitError) return error.code;
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    return 1;
  })
  .then(async (code) => {
    await stopEmbeddedPostgres().catch((error: unknown) => {
      console.error("Could not close the embedded database cleanly:", error);
      code ||= 1;
    });
    // The one line a Ctrl-C prints, once everything (the embedded database too) has stopped.
    if (stopRequested && code === 0) console.log("Keyway stopped.");
    process.exit(code);
  });
