import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "./support/csp";
import { freshEmail, signUp } from "./support/journeys";
import { TIME_SCALE } from "./support/chromium";

// A connection's status follows its health check, not the last test. "Save
// and test" checks the form's settings before saving. An API that starts failing shows "Failing since…" (on the page and in "Needs
// attention" above the list) once its check runs, and "Working" again after it
// recovers, with both changes in the status history.

let answer = 200;
const server = createServer((request, response) => {
  response.writeHead(request.url?.startsWith("/broken") ? 500 : answer, { "content-type": "text/plain" });
  response.end(`answered ${answer}`);
});
let baseUrl = "";
test.beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
test.afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

test("a connection whose API starts failing shows Failing since…, then Working after it recovers", async ({ page }) => {
  test.setTimeout(120_000 * TIME_SCALE);
  const team = await signUp(page, "Hana Health", freshEmail("health"));
  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Status API");
  await page.getByLabel("Base URL").fill(baseUrl);
  await page.getByRole("radio", { name: "Basic", exact: true }).check();
  await page.getByLabel("Username").fill("svc");
  await page.getByLabel("Password or API key").fill("health-secret-1");
  // "Save and test" against an API that fails: nothing is saved, the result is shown in the form.
  answer = 503;
  await page.getByRole("button", { name: "Save and test" }).click();
  await expect(page.getByTestId("save-test-result")).toContainText("answered 503", { timeout: 20_000 });
  await expect(page).toHaveURL(/\/connections\/new$/);
  // The API answers: saved, and that check was the first.
  answer = 200;
  await page.getByLabel("Password or API key").fill("health-secret-1");
  await page.getByRole("button", { name: "Save and test" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/, { timeout: 30_000 });
  const connectionPath = new URL(page.url()).pathname;
  const status = page.getByTestId("connection-status").first();
  await expect(status).toHaveText("Working");
  await expect(page.getByTestId("health-card")).toContainText("GET / every 15 min");

  // A failing ad-hoc test is history only.
  await page.locator("#test-path").fill("/broken");
  await page.getByRole("button", { name: "Send test request" }).click();
  await expect(page.getByTestId("test-result").getByTestId("test-summary")).toContainText("500", { timeout: 20_000 });
  await page.reload();
  await expect(status).toHaveText("Working");

  // The API fails: the next check says so.
  answer = 503;
  await page.getByRole("button", { name: "Run check now" }).click();
  await expect(page.getByTestId("check-result")).toContainText("answered 503", { timeout: 20_000 });
  await page.reload();
  await expect(status).toHaveText(/^Failing since/);
  await page.goto(`${team}/connections`);
  await expect(page.getByTestId("needs-attention")).toContainText("Status API");
  await expect(page.getByTestId("needs-attention")).toContainText("Failing since");

  // It recovers.
  answer = 200;
  await page.goto(connectionPath);
  await page.getByRole("button", { name: "Run check now" }).click();
  await expect(page.getByTestId("check-result")).toContainText("answered 200", { timeout: 20_000 });
  await page.reload();
  await expect(status).toHaveText("Working");
  const history = page.getByRole("list", { name: "Status history" }).getByRole("listitem");
  await expect(history).toHaveCount(3);
  await expect(history.first()).toContainText("Working");
  await expect(history.nth(1)).toContainText("Failing");
  await page.goto(`${team}/connections`);
  await expect(page.getByTestId("needs-attention")).toHaveCount(0);
});
