// The embedded PostgreSQL that `npm start` runs without DATABASE_URL: its own
// cluster directory, started, stopped and started again, including after the
// process that started it was killed with SIGKILL.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "@/lib/embedded-postgres";

const root = path.resolve(import.meta.dirname, "../..");
// Directly in the temporary directory: as root the server runs as another account (see startThrowawayPostgres).
const dataDir = mkdtempSync(path.join(os.tmpdir(), "keyway-embedded-test-"));
const logFile = `${dataDir}.log`;
const running: EmbeddedPostgres[] = [];

afterAll(async () => {
  await Promise.all(running.map((server) => server.stop()));
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(logFile, { force: true });
});

async function start(port = 0): Promise<EmbeddedPostgres> {
  const server = await startEmbeddedPostgres({ dataDir, port, logFile, ephemeral: true });
  running.push(server);
  return server;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("the embedded PostgreSQL", { timeout: 180_000 }, () => {
  it("initialises once, takes another port when the wanted one is busy, stops, and starts again with its data", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const busy = (blocker.address() as net.AddressInfo).port;
    try {
      const first = await start(busy);
      expect(first.initialised).toBe(true);
      expect(first.port).not.toBe(busy);
      const [row] = await query<{ version: number }>(first.url, "SELECT current_setting('server_version_num')::int AS version");
      expect(row!.version).toBeGreaterThanOrEqual(180000);
      await query(first.url, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
      await first.stop();
      expect(isAlive(first.pid)).toBe(false);
    } finally {
      blocker.close();
    }

    const second = await start();
    expect(second.initialised).toBe(false);
    expect(await query(second.url, "SELECT v FROM kept")).toEqual([{ v: "still here" }]);
    // Notifications cross connections, as the proxy and the agents' relay rely on.
    const listener = new pg.Client({ connectionString: second.url });
    await listener.connect();
    const heard = new Promise<string | undefined>((resolve) => listener.on("notification", (message) => resolve(message.payload)));
    await listener.query("LISTEN keyway_test");
    await query(second.url, "NOTIFY keyway_test, 'across'");
    expect(await heard).toBe("across");
    await listener.end();
    await second.stop();
  });

  it("stops and replaces a server that a killed start left running, and ignores a postmaster.pid naming another process", async () => {
    // A start in its own process, killed with SIGKILL once the server is up: the server stays.
    const script = path.join(dataDir + "-starter.mts");
    writeFileSync(
      script,
      `import { startEmbeddedPostgres } from ${JSON.stringify(path.join(root, "lib/embedded-postgres.ts"))};
       const server = await startEmbeddedPostgres({ dataDir: ${JSON.stringify(dataDir)}, port: 0, logFile: ${JSON.stringify(logFile)}, ephemeral: true });
       console.log(JSON.stringify({ pid: server.pid }));
       setInterval(() => {}, 1000);`,
    );
    const starter = spawn(process.execPath, ["--import", "tsx", script], { cwd: root, stdio: ["ignore", "pipe", "inherit"], detached: true });
    const orphan = await new Promise<number>((resolve, reject) => {
      let out = "";
      starter.stdout.on("data", (chunk: Buffer) => {
        out += chunk;
        const line = out.split("\n").find((l) => l.startsWith("{"));
        if (line) resolve((JSON.parse(line) as { pid: number }).pid);
      });
      starter.on("exit", (code) => reject(new Error(`the starter exited (${code}) before the server was up`)));
    });
    try {
      starter.kill("SIGKILL");
      await new Promise((resolve) => starter.once("exit", resolve));
      expect(isAlive(orphan)).toBe(true);

      const replacement = await start();
      expect(replacement.pid).not.toBe(orphan);
      expect(isAlive(orphan)).toBe(false);
      expect(await query(replacement.url, "SELECT v FROM kept")).toEqual([{ v: "still here" }]);
      await replacement.stop();
    } finally {
      rmSync(script, { force: true });
      if (isAlive(orphan)) process.kill(orphan, "SIGKILL");
    }

    // A postmaster.pid whose process id now belongs to something else (common in containers): not a server.
    const pidFile = path.join(dataDir, "postmaster.pid");
    writeFileSync(pidFile, `${process.pid}\n${dataDir}\n`);
    const afterReuse = await start();
    expect(Number(readFileSync(pidFile, "utf8").split("\n")[0])).toBe(afterReuse.pid);
    expect(await query(afterReuse.url, "SELECT v FROM kept")).toEqual([{ v: "still here" }]);
  });
});
