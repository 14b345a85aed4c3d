// `npm run bench:embedded-db`: the embedded PostgreSQL server (what `npm start`
// runs without DATABASE_URL) against the PGlite it replaced, in one run, on
// this machine: first start (a new data directory: initdb, or PGlite's own
// initialisation), warm start (the same directory again), and resident memory
// once Keyway's migrations are applied and a few connections have queried.
//
// Memory: for PostgreSQL, the server's processes (postmaster, its background
// workers and one backend per open connection), as the sum of their RSS and of
// their PSS (shared memory split between the processes that map it, so not
// counted once per process). For PGlite, which lives inside the app's Node
// process, the RSS of a Node process that holds only PGlite, less that of an
// empty Node process. Linux only (/proc).
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "../../lib/embedded-postgres";
import { migrate } from "../../lib/migrations";

const WARM_RUNS = 3;
const CONNECTIONS = 10;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
const ms = (value: number) => `${Math.round(value)} ms`;

/** kB from a /proc/<pid>/status or smaps_rollup field. */
function procField(file: string, field: string): number {
  const line = readFileSync(file, "utf8").split("\n").find((l) => l.startsWith(`${field}:`));
  return line ? Number(line.split(/\s+/)[1]) : 0;
}

/** The postmaster and every process whose parent is it. */
function serverProcesses(postmaster: number): number[] {
  const children = readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        // The parent is the 4th field of /proc/<pid>/stat, after "(comm)", which may hold spaces.
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster;
      } catch {
        return false;
      }
    })
    .map(Number);
  return [postmaster, ...children];
}

function postgresMemory(postmaster: number): { processes: number; rssKb: number; pssKb: number } {
  const pids = serverProcesses(postmaster);
  let rssKb = 0;
  let pssKb = 0;
  for (const pid of pids) {
    rssKb += procField(`/proc/${pid}/status`, "VmRSS");
    pssKb += procField(`/proc/${pid}/smaps_rollup`, "Pss");
  }
  return { processes: pids.length, rssKb, pssKb };
}

/** What a real app does on a connection: a few catalogue and table queries. */
async function exercise(url: string) {
  const clients = await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      return client;
    }),
  );
  await Promise.all(clients.map((c) => c.query(`SELECT count(*) FROM "User"; SELECT count(*) FROM "AuditEvent"; SELECT * FROM pg_stat_activity`)));
  return clients;
}

async function benchPostgres() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "keyway-bench-pg-"));
  const logFile = `${dataDir}.log`;
  const port = Number(process.env.KEYWAY_EMBEDDED_DB_PORT || 0);
  try {
    let t = performance.now();
    let server = await startEmbeddedPostgres({ dataDir, port, logFile });
    const first = performance.now() - t;
    t = performance.now();
    await migrate(server.url);
    const migrations = performance.now() - t;
    const clients = await exercise(server.url);
    const idle = postgresMemory(server.pid);
    await Promise.all(clients.map((c) => c.end()));
    const afterClose = postgresMemory(server.pid);
    await server.stop();

    const warm: number[] = [];
    for (let i = 0; i < WARM_RUNS; i++) {
      t = performance.now();
      server = await startEmbeddedPostgres({ dataDir, port, logFile });
      warm.push(performance.now() - t);
      await server.stop();
    }
    return { first, migrations, warm: median(warm), withConnections: idle, afterClose };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(logFile, { force: true });
  }
}

/** Runs `code` (an ES module) in a new Node process; it prints one JSON line. */
function nodeRun<T>(code: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").at(-1)!) as T) : reject(new Error(`exit ${code}`))));
  });
}

const RSS = `Number(readFileSync("/proc/self/status", "utf8").match(/VmRSS:\\s+(\\d+)/)[1])`;

async function benchPglite() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "keyway-bench-pglite-"));
  const migrationsDir = path.join(process.cwd(), "prisma", "migrations");
  const open = (migrateToo: boolean) => `
    import { readFileSync, readdirSync } from "node:fs";
    import { PGlite } from "@electric-sql/pglite";
    const t = performance.now();
    const db = await PGlite.create(${JSON.stringify(path.join(dataDir, "pglite"))});
    const ms = performance.now() - t;
    let migrations = 0;
    if (${migrateToo}) {
      const m = performance.now();
      for (const name of readdirSync(${JSON.stringify(migrationsDir)}).filter((n) => /^\\d{14}_/.test(n)).sort()) {
        await db.exec(readFileSync(${JSON.stringify(migrationsDir)} + "/" + name + "/migration.sql", "utf8"));
      }
      migrations = performance.now() - m;
      await db.query('SELECT count(*) FROM "User"');
    }
    const rssKb = ${RSS};
    await db.close();
    console.log(JSON.stringify({ ms, migrations, rssKb }));`;
  try {
    const baseline = await nodeRun<{ rssKb: number }>(`import { readFileSync } from "node:fs"; console.log(JSON.stringify({ rssKb: ${RSS} }));`);
    const first = await nodeRun<{ ms: number; migrations: number; rssKb: number }>(open(true));
    const warm: number[] = [];
    let rssKb = 0;
    for (let i = 0; i < WARM_RUNS; i++) {
      const run = await nodeRun<{ ms: number; rssKb: number }>(open(false));
      warm.push(run.ms);
      rssKb = run.rssKb;
    }
    return { first: first.ms, migrations: first.migrations, warm: median(warm), rssKb: first.rssKb - baseline.rssKb, warmRssKb: rssKb - baseline.rssKb, baselineKb: baseline.rssKb };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  if (os.platform() !== "linux") throw new Error("This benchmark reads memory from /proc: Linux only.");
  console.log(`Node ${process.version}, ${os.cpus().length} cores, load average ${os.loadavg()[0]!.toFixed(1)}\n`);
  const postgres = await benchPostgres();
  const pglite = await benchPglite();
  console.log("                                 embedded PostgreSQL 18    PGlite");
  console.log(`first start (new data dir)       ${ms(postgres.first).padEnd(26)}${ms(pglite.first)}`);
  console.log(`warm start (median of ${WARM_RUNS})         ${ms(postgres.warm).padEnd(26)}${ms(pglite.warm)}`);
  console.log(`Keyway's migrations              ${ms(postgres.migrations).padEnd(26)}${ms(pglite.migrations)}`);
  console.log(
    `memory, migrated, ${CONNECTIONS} connections  ${`${mb(postgres.withConnections.pssKb)} PSS (${mb(postgres.withConnections.rssKb)} RSS summed over ${postgres.withConnections.processes} processes)`}`,
  );
  console.log(`memory, migrated, no connections ${`${mb(postgres.afterClose.pssKb)} PSS (${mb(postgres.afterClose.rssKb)} RSS, ${postgres.afterClose.processes} processes)`.padEnd(26)}`);
  console.log(`PGlite in its Node process       ${mb(pglite.rssKb)} RSS after migrations, ${mb(pglite.warmRssKb)} after a warm start (beyond an empty Node process's ${mb(pglite.baselineKb)})`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
