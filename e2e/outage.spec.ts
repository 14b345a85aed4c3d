import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { expect, test } from "@playwright/test";
import pg from "pg";
import { migrate } from "../lib/migrations";
import { PG_BINARIES_MISSING, pgBinDir, startPgCluster, type PgCluster } from "../test/support/pg-cluster";
import { TIME_SCALE } from "../test/support/time-scale";
import { formAlert, freshEmail, PASSWORD, signUp } from "./support/journeys";

// Issue 15: a database outage seen in the browser. Keyway's production server
// (server.ts, as `npm start` runs it) on a PostgreSQL this test starts and
// stops itself: while the database is down a signed-in page is the branded 503
// "Keyway cannot reach its database" (the session is not taken for ended, no
// trip to sign-in), signing in says the service is unavailable (not "wrong
// password"), and once the database is back the same server serves the same
// session again, without a restart.

const binaries = pgBinDir();

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let cluster: PgCluster;
let keyway: ChildProcess;
let base: string;

test.describe.configure({ timeout: 300_000 * TIME_SCALE });

test.beforeAll(async () => {
  test.skip(!binaries, PG_BINARIES_MISSING);
  test.setTimeout(240_000 * TIME_SCALE);
  cluster = await startPgCluster();
  const admin = new pg.Client({ connectionString: cluster.url() });
  await admin.connect();
  await admin.query("CREATE DATABASE keyway");
  await admin.end();
  await migrate(cluster.url("keyway"));

  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  keyway = spawn(process.execPath, ["--import", "tsx", "server.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      DATABASE_URL: cluster.url("keyway"),
      KEYWAY_PUBLIC_URL: base,
      // Fail fast while the database is away (seconds, as an operator would set them).
      KEYWAY_DB_CONNECT_TIMEOUT_SECONDS: "2",
      KEYWAY_DB_ACQUIRE_TIMEOUT_SECONDS: "2",
      KEYWAY_DB_STATEMENT_TIMEOUT_SECONDS: "3",
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const deadline = Date.now() + 120_000 * TIME_SCALE;
  for (;;) {
    if (keyway.exitCode !== null) throw new Error(`Keyway exited with ${keyway.exitCode}`);
    const ready = await fetch(`${base}/signin`).then((response) => response.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) throw new Error("Keyway did not start");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
});

test.afterAll(async () => {
  if (keyway && keyway.exitCode === null) {
    const exited = new Promise((resolve) => keyway.once("exit", resolve));
    keyway.kill("SIGTERM");
    await exited;
  }
  await cluster?.destroy();
});

test("with the database down pages answer the branded 503 and sign-in says the service is unavailable; both recover without a restart", async ({ browser }) => {
  const context = await browser.newContext({ baseURL: base });
  const page = await context.newPage();
  const email = freshEmail("outage");
  const team = await signUp(page, "Olga Outage", email);
  const connections = `${team}/connections`;
  expect((await page.goto(connections))?.status()).toBe(200);

  await cluster.stop();

  // Signed in, database away: Keyway's outage page, the session kept (no trip to sign-in).
  const down = await page.goto(connections);
  expect(down?.status()).toBe(503);
  expect(down?.headers()["retry-after"]).toBeTruthy();
  expect(down?.headers()["x-request-id"]).toBeTruthy();
  await expect(page.getByRole("heading", { name: "Keyway cannot reach its database", level: 1 })).toBeVisible();
  expect(new URL(page.url()).pathname).toBe(connections);

  // Someone else signs in with the right password: told that the service is unavailable, not that the password is wrong.
  const other = await browser.newContext({ baseURL: base });
  const signIn = await other.newPage();
  await signIn.goto("/signin");
  await signIn.getByLabel("Email").fill(email);
  await signIn.getByLabel("Password").fill(PASSWORD);
  await signIn.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(formAlert(signIn)).toContainText("cannot reach its database", { timeout: 30_000 * TIME_SCALE });
  await expect(formAlert(signIn)).not.toContainText("incorrect");

  await cluster.start();

  // The same server, the same session: the page is back once the pool reconnects.
  await expect
    .poll(async () => (await page.goto(connections))?.status(), { timeout: 60_000 * TIME_SCALE, intervals: [500, 1_000, 2_000] })
    .toBe(200);
  await expect(page.getByRole("heading", { name: "Connections", level: 1 })).toBeVisible();
  expect(new URL(page.url()).pathname).toBe(connections);

  // And signing in works again.
  await signIn.getByLabel("Password").fill(PASSWORD);
  await signIn.getByRole("button", { name: "Sign in", exact: true }).click();
  await signIn.waitForURL(/\/t\/[^/]+\/connections/, { timeout: 30_000 * TIME_SCALE });
  await other.close();
  await context.close();
});
