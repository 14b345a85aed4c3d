// The README's start, as a newcomer runs it: `npm start` in a fresh checkout
// with nothing in the environment but PATH, HOME and PORT (no DATABASE_URL, no
// keys, no NODE_ENV), on an empty .data/. Every other browser test runs the
// server with keys and a database handed to it, which is how the key
// hand-over bug of issue 13 (development key made, server refused it) went
// unseen. Runs by playwright.readme-start.config.ts (`npm test` does).
//
// The checkout: this repository's files (tracked and new, as `git ls-files`
// lists them) copied to a temporary directory, plus what `npm install` would
// have produced there (node_modules, linked; the Prisma client it generates),
// plus the build `npm test` has just made, which `npm start` reuses only if
// its stamp matches the copy (scripts/build-stamp.ts), and otherwise rebuilds.
//
// The upstream API listens on loopback, which outbound safety refuses unless
// KEYWAY_OUTBOUND_ALLOW says otherwise, and the app's environment may not say
// anything. So the test checks what a newcomer sees first (the refusal, naming
// the setting), then reaches the API the way the product offers for an API
// Keyway itself may not reach: an on-premise agent, started as the agents
// page says, whose own allow list admits loopback. The app's environment stays
// PATH, HOME and PORT throughout.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { freshEmail, signUp } from "./support/journeys";
import { startEchoUpstream } from "./support/upstream";
import { rebuildReason } from "../scripts/build-stamp";
import { TIME_SCALE } from "./support/chromium";

const repo = process.cwd();
// Away from the ports playwright.config.ts uses (base, base+1, base+90, base+91).
const PORT = Number(process.env.KEYWAY_E2E_PORT ?? 3100) + 60;
const APP = `http://localhost:${PORT}`;
const SECRET = "readme-start-secret-4410";
// A start may have to build the app (a few minutes on a busy machine); stopping is quick.
const START_TIMEOUT = 10 * 60_000 * TIME_SCALE;
const STOP_TIMEOUT = 30_000 * TIME_SCALE;

test.use({ baseURL: APP });

/** A copy of the checkout as a newcomer has it after `git clone && npm install`. */
function newcomerCheckout(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "keyway-readme-start-"));
  // mkdtemp makes it 0700; a clone is 0755, and run as root the embedded PostgreSQL runs as another account that must enter it.
  chmodSync(dir, 0o755);
  const listed = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repo, maxBuffer: 64 << 20 });
  for (const file of listed.toString("utf8").split("\0")) {
    if (!file || !existsSync(path.join(repo, file))) continue; // deleted but not yet committed
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(repo, file), path.join(dir, file));
  }
  symlinkSync(path.join(repo, "node_modules"), path.join(dir, "node_modules"), "dir");
  cpSync(path.join(repo, "lib", "generated"), path.join(dir, "lib", "generated"), { recursive: true }); // npm install's postinstall
  if (existsSync(path.join(repo, ".next", "BUILD_ID"))) {
    // Next's compile cache is not part of a build, and is the bulk of .next.
    cpSync(path.join(repo, ".next"), path.join(dir, ".next"), { recursive: true, filter: (source) => !source.startsWith(path.join(repo, ".next", "cache")) });
  }
  return dir;
}

type Run = { child: ChildProcess; output: string[]; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> };

/** `npm start` in its own process group, as a terminal runs it, with only PATH, HOME and PORT. */
function npmStart(cwd: string, log: string[]): Run {
  // Nothing else: no NODE_ENV either (types/ declares it always present, hence the cast).
  const env = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(PORT) } as Partial<NodeJS.ProcessEnv> as NodeJS.ProcessEnv;
  const child = spawn("npm", ["start"], {
    cwd,
    env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      output.push(line);
      log.push(line);
    }
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  // Ended once its output is all read too: "exit" can come before the last lines ("Keyway stopped.") are
  // read from the pipe. "close" waits for every holder of the pipe; a leftover grandchild must not hang the test.
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => {
      const ended = () => resolve({ code, signal });
      child.once("close", ended);
      setTimeout(ended, 10_000).unref();
    }),
  );
  return { child, output, exited };
}

/** Waits until npm start prints a line matching pattern; fails at once if it exits first. */
async function waitForLine(run: Run, pattern: RegExp, timeout: number): Promise<void> {
  const outcome = await new Promise<string>((resolve) => {
    const check = () => {
      if (run.output.some((line) => pattern.test(line))) return resolve("printed");
      if (run.child.exitCode !== null || run.child.signalCode !== null) return resolve(`exited (${run.child.exitCode ?? run.child.signalCode}) without printing it`);
      if (Date.now() > deadline) return resolve(`did not print it within ${timeout / 1000} s`);
      setTimeout(check, 250);
    };
    const deadline = Date.now() + timeout;
    check();
  });
  expect(outcome, `npm start should print ${pattern}`).toBe("printed");
}

/** Ctrl-C: SIGINT to the whole process group, as a terminal sends it. Returns what was printed after it. */
async function ctrlC(run: Run): Promise<{ ending: string; after: string[] }> {
  const printedBefore = run.output.length;
  const signalledAt = Date.now();
  process.kill(-run.child.pid!, "SIGINT");
  const ended = await Promise.race([run.exited, new Promise<undefined>((resolve) => setTimeout(resolve, STOP_TIMEOUT))]);
  if (!ended) {
    process.kill(-run.child.pid!, "SIGKILL");
    throw new Error(`npm start did not stop within ${STOP_TIMEOUT / 1000} s of Ctrl-C`);
  }
  // npm, Ctrl-C'd itself, ends by the same signal once its script has exited (a shell prints nothing for that); the script exits 0.
  const ending = ended.code === 0 || ended.signal === "SIGINT" ? "clean" : `code ${ended.code}, signal ${ended.signal}`;
  return { ending, after: run.output.slice(printedBefore).filter((line) => line.trim() !== "" && !infoLoggedBefore(line, signalledAt)) };
}

/**
 * An info line the server logged before the signal, which the log's asynchronous
 * writes (and the pipes from server to `npm start` to here) may deliver after it:
 * the last proxied request's line, say. Warnings and errors always count.
 */
function infoLoggedBefore(line: string, at: number): boolean {
  try {
    const entry = JSON.parse(line) as { level?: unknown; time?: unknown };
    return typeof entry.level === "number" && entry.level <= 30 && typeof entry.time === "number" && entry.time < at;
  } catch {
    return false;
  }
}

/** Files a running Keyway holds as locks in .data/ (the embedded database's pid files and the like). */
function locksIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((file) => /(\.pid|\.lock|^LOCK)$/.test(path.basename(file)));
}

async function sendTest(page: Page) {
  await page.getByRole("button", { name: "Send test request" }).click();
  return page.getByTestId("test-result");
}

let checkout: string;
let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
const appLog: string[] = [];
const agentLog: string[] = [];
const running: ChildProcess[] = [];
const cleanUp: string[] = [];

test.beforeAll(async () => {
  checkout = newcomerCheckout();
  upstream = await startEchoUpstream();
});

test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) {
    await testInfo.attach("npm start output", { body: appLog.join("\n"), contentType: "text/plain" });
    await testInfo.attach("agent output", { body: agentLog.join("\n"), contentType: "text/plain" });
    console.log(`npm start output:\n${appLog.join("\n")}\n\nagent output:\n${agentLog.join("\n")}`);
  }
});

test.afterAll(async () => {
  for (const child of running) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        child.kill("SIGKILL");
      }
    }
  }
  await upstream?.close();
  for (const dir of [checkout, ...cleanUp]) if (dir) rmSync(dir, { recursive: true, force: true });
});

test("npm start with an empty environment: sign up, a Header-auth connection with a secret, a test request and the proxy work, Ctrl-C stops cleanly, and a second start keeps it all", async ({ page, request }) => {
  const dataDir = path.join(checkout, ".data");
  expect(existsSync(dataDir)).toBe(false);
  // Turbopack cannot build through the linked node_modules, and `npm test` has just built: the copy must reuse that build.
  expect(rebuildReason(checkout), "run `npm run build` first (npm test's build layer does)").toBeUndefined();

  // ── First start ──
  let app = npmStart(checkout, appLog);
  running.push(app.child);
  await waitForLine(app, new RegExp(`Open ${APP.replace(/[.]/g, "\\.")} and create an account`), START_TIMEOUT);
  expect(app.output.join("\n")).toContain("Ctrl-C stops it");

  const team = await signUp(page, "Nova Newcomer", freshEmail("readme-start"));

  // A Header-auth connection with a secret: encrypting it is what the key hand-over broke.
  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Orders API");
  await page.getByLabel("Base URL").fill(`${upstream.baseUrl}/v1`);
  await page.getByRole("radio", { name: "Header auth", exact: true }).check();
  await page.getByLabel("Header name").fill("X-Api-Key");
  await page.getByLabel("Value").fill(SECRET);
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  const connectionPath = new URL(page.url()).pathname;
  const connectionId = connectionPath.split("/").at(-1)!;
  await expect(page.getByRole("heading", { name: "Orders API", level: 1 })).toBeVisible();
  await expect(page.getByText(SECRET)).toHaveCount(0);

  // What a newcomer meets first with an API on their own machine: a refusal that names the setting.
  const refused = await sendTest(page);
  await expect(refused).toContainText("Blocked by outbound safety");
  await expect(refused).toContainText("KEYWAY_OUTBOUND_ALLOW");
  expect(upstream.received).toHaveLength(0);

  // The way in that needs no setting: an agent, started as the agents page says, allowed to reach loopback.
  await page.goto(`${team}/agents`);
  await page.getByLabel("Name").fill("laptop");
  await page.getByRole("button", { name: "Register agent" }).click();
  const token = ((await page.locator("code[data-copy-source]").first().textContent()) ?? "").trim();
  expect(token).toMatch(/^kwa_/);
  const command = (await page.getByRole("region", { name: "Start it on a machine inside your network" }).textContent()) ?? "";
  const scriptUrl = /curl -fsSL (\S+) -o keyway-agent\.mjs/.exec(command)?.[1];
  expect(scriptUrl).toBe(`${APP}/api/agents/script`);
  const script = await fetch(scriptUrl!);
  expect(script.status).toBe(200);
  // Outside the checkout: the agent runs on another machine, and a new file in the checkout would make the next start rebuild.
  const agentDir = mkdtempSync(path.join(tmpdir(), "keyway-readme-agent-"));
  cleanUp.push(agentDir);
  writeFileSync(path.join(agentDir, "keyway-agent.mjs"), Buffer.from(await script.arrayBuffer()));
  const startAgent = () => {
    const agent = spawn(process.execPath, ["keyway-agent.mjs", "--url", APP, "--allow", "127.0.0.1/32"], {
      cwd: agentDir,
      env: { PATH: process.env.PATH, NODE_ENV: "production", KEYWAY_AGENT_TOKEN: token },
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    for (const stream of [agent.stdout!, agent.stderr!]) stream.on("data", (chunk: Buffer) => agentLog.push(...chunk.toString("utf8").trimEnd().split("\n")));
    running.push(agent);
  };
  startAgent();
  await page.getByRole("button", { name: "Done, I have copied it" }).click();
  const agentRow = page.getByRole("list", { name: "Agents" }).getByRole("listitem").filter({ hasText: "laptop" });
  await expect(agentRow).toContainText("Online", { timeout: 60_000 * TIME_SCALE });

  await page.goto(`${connectionPath}/edit`);
  await page.getByRole("radio", { name: /^Yes/ }).check();
  await page.getByLabel("Agent", { exact: true }).selectOption({ index: 1 });
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);

  await expect((await sendTest(page)).getByTestId("test-summary")).toContainText("200", { timeout: 60_000 * TIME_SCALE });
  expect(upstream.received.at(-1)!.headers["x-api-key"]).toBe(SECRET);

  // A service calls the API through the proxy with a team API key.
  await page.goto(`${team}/api-keys`);
  await page.getByLabel("Name").fill("orders worker");
  await page.getByRole("button", { name: "Create API key" }).click();
  await expect(page.getByText("API key “orders worker” created")).toBeVisible();
  const apiKey = ((await page.locator("[data-copy-source]").first().textContent()) ?? "").trim();
  expect(apiKey).toMatch(/^kw_/);
  const callProxy = async () => {
    const answer = await request.get(`${APP}/api/proxy/${connectionId}/orders?status=open`, { headers: { authorization: `Bearer ${apiKey}` } });
    expect(answer.status(), await answer.text()).toBe(200);
    const seen = upstream.received.at(-1)!;
    expect(seen.url).toBe("/v1/orders?status=open");
    expect(seen.headers["x-api-key"]).toBe(SECRET);
  };
  await callProxy();

  // ── Ctrl-C: one line, nothing left locked ──
  const first = await ctrlC(app);
  expect(first.ending).toBe("clean");
  expect(first.after).toEqual(["Keyway stopped."]);
  expect(locksIn(dataDir)).toEqual([]);

  // ── Second start on the same .data/: the build is reused, the data, session and secrets are kept ──
  const printedBefore = appLog.length;
  app = npmStart(checkout, appLog);
  running.push(app.child);
  await waitForLine(app, /and create an account/, START_TIMEOUT);
  expect(appLog.slice(printedBefore).join("\n")).not.toContain("next build");

  await page.goto(connectionPath);
  await expect(page.getByRole("heading", { name: "Orders API", level: 1 })).toBeVisible();
  await page.goto(`${team}/agents`);
  await expect(agentRow).toContainText("Online", { timeout: 120_000 * TIME_SCALE });
  await page.goto(connectionPath);
  const received = upstream.received.length;
  await expect((await sendTest(page)).getByTestId("test-summary")).toContainText("200", { timeout: 60_000 * TIME_SCALE });
  expect(upstream.received).toHaveLength(received + 1);
  expect(upstream.received.at(-1)!.headers["x-api-key"]).toBe(SECRET);
  await callProxy();

  const second = await ctrlC(app);
  expect(second.ending).toBe("clean");
  expect(second.after).toEqual(["Keyway stopped."]);
  expect(locksIn(dataDir)).toEqual([]);
});
