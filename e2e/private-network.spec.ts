import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type Page } from "@playwright/test";
import { createTeam, freshEmail, signUp } from "./support/journeys";
import { startEchoUpstream } from "./support/upstream";
import { TIME_SCALE } from "./support/chromium";

// A team reaches an API that only its own network can reach. The API listens
// on 127.0.0.7, which this Keyway's outbound safety refuses (playwright.config.ts
// allows only 127.0.0.1). The admin registers an agent, starts it the way the
// page says (the script downloaded from Keyway, run with Node), and the agent
// connects to the second app instance while the browser uses the first: each
// test request crosses from one instance to the other through the database.

const SECOND = process.env.KEYWAY_E2E_SECOND_URL!;
const INSIDE_HOST = "127.0.0.7";

let upstream: Awaited<ReturnType<typeof startEchoUpstream>>;
let workdir: string;
let agentProcess: ChildProcess | undefined;
const agentLog: string[] = [];

test.beforeAll(async () => {
  upstream = await startEchoUpstream(INSIDE_HOST);
  workdir = mkdtempSync(path.join(tmpdir(), "keyway-agent-"));
});
test.afterEach(async ({}, testInfo) => {
  if (testInfo.status !== testInfo.expectedStatus) console.log(`Agent log:\n${agentLog.join("\n")}`);
});
test.afterAll(async () => {
  await stopAgent();
  await upstream?.close();
  rmSync(workdir, { recursive: true, force: true });
});

function startAgent(token: string) {
  // Run from an empty directory: the downloaded file must need nothing but Node.
  const child = spawn(process.execPath, [path.join(workdir, "keyway-agent.mjs"), "--url", SECOND, "--allow", `${INSIDE_HOST}/32`], {
    cwd: workdir,
    env: { PATH: process.env.PATH, NODE_ENV: "production", KEYWAY_AGENT_TOKEN: token },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (chunk: Buffer) => agentLog.push(...chunk.toString("utf8").trim().split("\n")));
  child.stderr.on("data", (chunk: Buffer) => agentLog.push(...chunk.toString("utf8").trim().split("\n")));
  agentProcess = child;
}

async function stopAgent() {
  const child = agentProcess;
  agentProcess = undefined;
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

async function sendTest(page: Page) {
  await page.getByRole("button", { name: "Send test request" }).click();
  return page.getByTestId("test-result").getByTestId("test-summary");
}

test("a private-network connection is tested through an agent connected to the other instance, and fails fast naming it when it stops", async ({ page }) => {
  test.setTimeout(120_000 * TIME_SCALE);
  await signUp(page, "Pia Private", freshEmail("private-network"));
  const team = await createTeam(page, "Inside team");

  // Register the agent; the page shows its token and the command once.
  await page.goto(`${team}/agents`);
  await page.getByLabel("Name").fill("warehouse");
  await page.getByRole("button", { name: "Register agent" }).click();
  const token = ((await page.locator("code[data-copy-source]").first().textContent()) ?? "").trim();
  expect(token).toMatch(/^kwa_/);
  const command = (await page.getByRole("region", { name: "Start it on a machine inside your network" }).textContent()) ?? "";
  const scriptUrl = /curl -fsSL (\S+) -o keyway-agent\.mjs/.exec(command)?.[1];
  expect(scriptUrl).toBeTruthy();

  // What curl would do: fetch the script. The agent then connects to the second instance.
  const script = await fetch(scriptUrl!);
  expect(script.status).toBe(200);
  writeFileSync(path.join(workdir, "keyway-agent.mjs"), Buffer.from(await script.arrayBuffer()));
  startAgent(token);
  await page.getByRole("button", { name: "Done, I have copied it" }).click();
  const row = page.getByRole("list", { name: "Agents" }).getByRole("listitem").filter({ hasText: "warehouse" });
  await expect(row).toContainText("Online", { timeout: 20_000 });

  // A connection to the inside API, through the agent.
  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Warehouse API");
  await page.getByLabel("Base URL").fill(`${upstream.baseUrl}/v2`);
  await page.getByRole("radio", { name: "Header auth", exact: true }).check();
  await page.locator("#headers-0-name").fill("X-Inside-Key");
  await page.locator("#headers-0-value").fill("inside-secret-value-77");
  await page.getByRole("radio", { name: /^Yes/ }).check();
  await page.getByLabel("Agent", { exact: true }).selectOption({ index: 1 });
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  const connectionPath = new URL(page.url()).pathname;
  await expect(page.getByText("Private, through agent")).toBeVisible();

  const before = upstream.received.length;
  await expect(await sendTest(page)).toContainText("200", { timeout: 20_000 });
  expect(upstream.received.length).toBe(before + 1);
  expect(upstream.received.at(-1)!.headers["x-inside-key"]).toBe("inside-secret-value-77");
  expect(agentLog.some((line) => line.includes(`GET ${upstream.baseUrl}/v2 → 200`))).toBe(true);

  // The agent stops: the next test fails at once and names it.
  await stopAgent();
  await page.goto(`${team}/agents`);
  await expect(row).toContainText("Offline", { timeout: 20_000 });
  await page.goto(connectionPath);
  const started = Date.now();
  await expect(await sendTest(page)).toContainText(/Agent “warehouse” is offline since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/, { timeout: 5_000 });
  expect(Date.now() - started).toBeLessThan(5_000);

  // Back again: works without anyone touching the connection.
  startAgent(token);
  await page.goto(`${team}/agents`);
  await expect(row).toContainText("Online", { timeout: 20_000 });
  await page.goto(connectionPath);
  await expect(await sendTest(page)).toContainText("200", { timeout: 20_000 });

  // The same connection without its agent: Keyway's own outbound safety refuses the address.
  await page.goto(`${connectionPath}/edit`);
  await page.getByRole("radio", { name: /^No Keyway calls it directly/ }).check();
  await page.getByRole("button", { name: "Save changes" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);
  await expect(await sendTest(page)).toContainText(/blocked|not allowed|private/i, { timeout: 20_000 });
});
