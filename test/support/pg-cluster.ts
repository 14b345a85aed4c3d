/**
 * A Postgres server of the test's own, for fault tests that stop, restart and
 * freeze the database under a running Keyway: Debian's PostgreSQL binaries
 * (initdb, postgres) on a free loopback port, with a throwaway data directory.
 * Postgres refuses to run as root, so as root the server runs as the
 * `postgres` OS user, which then owns the data directory.
 *
 * pgBinDir() is undefined where the binaries are missing: tests skip with a
 * message that says so (CI machines of this kind have them).
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, chownSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";

const CANDIDATE_BIN_DIRS = [process.env.KEYWAY_PG_BIN, "/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin"];

export function pgBinDir(): string | undefined {
  return CANDIDATE_BIN_DIRS.find((dir): dir is string => Boolean(dir) && existsSync(path.join(dir!, "initdb")) && existsSync(path.join(dir!, "postgres")));
}

export const PG_BINARIES_MISSING = "PostgreSQL server binaries (initdb, postgres) not found in /usr/lib/postgresql/<version>/bin or KEYWAY_PG_BIN: the database fault tests are skipped (apt-get install postgresql).";

export interface PgCluster {
  port: number;
  /** A URL for the given database (default "postgres"). */
  url(database?: string): string;
  /** Starts the server (again) and waits until it accepts connections. */
  start(): Promise<void>;
  /** Fast shutdown (SIGINT): open connections are closed, as in a restart. */
  stop(): Promise<void>;
  /** Freezes every process of the server (SIGSTOP): connections stay open and nothing answers. */
  freeze(): void;
  thaw(): void;
  /** Stops the server and deletes its data. */
  destroy(): Promise<void>;
}

function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

/** The server's processes: each backend makes itself a process-group leader, so one signal to the group does not reach them. */
/** A backend listed a moment ago may have exited since (ESRCH): nothing left to stop or resume. */
function signal(pid: number, name: NodeJS.Signals) {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}

function serverProcesses(postmaster: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": the command may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === postmaster) children.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return children;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = pgBinDir();
  if (!bin) throw new Error(PG_BINARIES_MISSING);
  const user = runAs();
  const dataDir = mkdtempSync(path.join(tmpdir(), "keyway-pg-"));
  if (user) chownSync(dataDir, user.uid, user.gid);
  execFileSync(path.join(bin, "initdb"), ["-D", dataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"], { ...user, stdio: "ignore", cwd: dataDir });
  const port = await freePort();
  let server: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const url = (database = "postgres") => `postgresql://postgres@127.0.0.1:${port}/${database}`;

  const accepts = async () => {
    const client = new pg.Client({ connectionString: url(), connectionTimeoutMillis: 1_000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  };

  const cluster: PgCluster = {
    port,
    url,
    async start() {
      server = spawn(
        path.join(bin, "postgres"),
        ["-D", dataDir, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=", "-c", "fsync=off", "-c", "max_connections=100"],
        { ...user, stdio: "ignore", cwd: dataDir },
      );
      const child = server;
      exited = new Promise((resolve) => child.once("exit", () => resolve()));
      await waitUntil("the test Postgres to accept connections", accepts, 30_000);
    },
    async stop() {
      if (!server || server.exitCode !== null) return;
      cluster.thaw();
      server.kill("SIGINT");
      await exited;
      server = undefined;
    },
    freeze() {
      // The postmaster first, so it starts no new backend meanwhile.
      if (!server?.pid) return;
      signal(server.pid, "SIGSTOP");
      for (const pid of serverProcesses(server.pid)) signal(pid, "SIGSTOP");
    },
    thaw() {
      if (!server?.pid) return;
      for (const pid of serverProcesses(server.pid)) signal(pid, "SIGCONT");
      signal(server.pid, "SIGCONT");
    },
    async destroy() {
      await cluster.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  await cluster.start();
  return cluster;
}
