import { execFile } from "node:child_process";
import { createHmac } from "node:crypto";
import { promisify } from "node:util";
import { expect, test } from "@playwright/test";
import { startHookSink } from "../test/support/notification-sinks";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { TIME_SCALE } from "./support/chromium";
import { freshEmail, signUp } from "./support/journeys";

// A Webhook receiver from the form (no base URL asked) to a signed event shown
// first on its page, copied as curl and replayed by running that command
// against a real server started here, and forwarded to that server (the
// delivery log says Delivered).

const SECRET = "receiver-e2e-secret-7777";
const run = promisify(execFile);

test.use({ permissions: ["clipboard-read", "clipboard-write"] });

test("a webhook receiver takes a signed event, shows it first, copies it as a curl command that replays it, and forwards it", async ({ page }) => {
  test.setTimeout(120_000 * TIME_SCALE);
  const sink = await startHookSink();
  try {
    const team = await signUp(page, "Rita Receiver", freshEmail("receiver"));
    await page.goto(`${team}/connections/new`);
    await page.getByLabel("Name", { exact: true }).fill("Shop events");
    await page.getByRole("radio", { name: "Webhook receiver", exact: true }).check();
    await expect(page.getByLabel("Base URL")).toHaveCount(0);
    await expect(page.getByText("Is this app in a private network?")).toHaveCount(0);
    await page.getByRole("button", { name: "Create connection" }).click();
    await page.waitForURL(/\/connections\/c[0-9a-z]+\?saved=1$/);

    // Events first: the URL (one Copy button), the signature settings, then the events.
    const hookUrl = (await page.locator("[data-copy-source]").textContent()) ?? "";
    expect(hookUrl).toMatch(/\/api\/hooks\/[A-Za-z0-9_-]{20,}$/);
    const receiverPage = page.url();

    // In the list, a receiver is never "Not checked yet" and never "tested": it says whether events came.
    await page.goto(`${team}/connections`);
    const row = page.getByTestId("connection-row").filter({ hasText: "Shop events" });
    await expect(row.getByTestId("connection-status")).toHaveText("No events yet");
    await expect(row).not.toContainText("never");
    await page.goto(receiverPage);
    await expect(page.getByRole("button", { name: "Copy" })).toHaveCount(1);
    await expect(page.getByText("Use it from a service")).toHaveCount(0);
    await expect(page.getByText("Test connection")).toHaveCount(0);

    await page.getByLabel("Signing secret").fill(SECRET);
    await page.getByRole("button", { name: "Save signature settings" }).click();
    await expect(page.getByTestId("webhook-secret-state")).toContainText("Set");

    await page.getByLabel("Forward URL").fill(`${sink.url}/forwarded`);
    await page.getByRole("button", { name: "Save forward URL" }).click();
    await expect(page.getByText("Saved: each event accepted from now on is forwarded.")).toBeVisible();

    const body = JSON.stringify({ type: "order.paid", id: 4242, note: "it's paid" });
    const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
    const posted = await page.request.post(hookUrl, { data: body, headers: { "Content-Type": "application/json", "X-Signature-256": signature, "X-Shop-Topic": "orders/paid" } });
    expect(posted.status()).toBe(202);
    const eventId = ((await posted.json()) as { id: string }).id;

    await expect(page.getByTestId("webhook-event")).toHaveCount(1, { timeout: 15_000 });
    await expect(page.getByTestId("webhook-event").first()).toContainText("Verified");
    await expect(page.getByTestId("webhook-event-body")).toContainText('"type": "order.paid"');

    await page.goto(`${team}/connections`);
    await expect(row.getByTestId("connection-status")).toHaveText("Last event just now");
    await page.goto(receiverPage);

    // Copy as curl, to the receiver itself first: running it is accepted as a second, verified event.
    const curl = page.getByTestId("webhook-event-curl");
    await expect(curl).toContainText(hookUrl);
    await page.getByTestId("webhook-event-detail").getByRole("button", { name: "Copy", exact: true }).click();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe(await curl.getAttribute("data-copy-block"));
    await run("sh", ["-c", `${copied} --silent --fail --output /dev/null`]);
    await expect(page.getByTestId("webhook-event")).toHaveCount(2, { timeout: 15_000 });
    await expect(page.getByTestId("webhook-event").first()).toContainText("Verified");

    // …then to a URL of the user's choice: the test server gets the same bytes and headers.
    await page.getByLabel("Send to").fill(`${sink.url}/replayed`);
    await expect(curl).toContainText(`${sink.url}/replayed`);
    await run("sh", ["-c", `${await curl.getAttribute("data-copy-block")} --silent --fail --output /dev/null`]);
    const replayed = sink.posts.find((p) => p.path === "/replayed");
    expect(replayed?.body).toBe(body);
    expect(replayed?.headers["x-signature-256"]).toBe(signature);
    expect(replayed?.headers["x-shop-topic"]).toBe("orders/paid");
    expect(replayed?.headers["content-type"]).toBe("application/json");

    // Forwarded after the 202: the target got the event, and the delivery log says so.
    await expect.poll(() => sink.posts.filter((p) => p.path === "/forwarded").length, { timeout: 30_000 * TIME_SCALE }).toBe(2);
    const forwarded = sink.posts.find((p) => p.path === "/forwarded" && p.headers["keyway-event-id"] === eventId);
    expect(forwarded?.body).toBe(body);
    expect(forwarded?.headers["x-signature-256"]).toBe(signature);
    await page.reload();
    const log = page.getByRole("list", { name: "Forwards" });
    await expect(log.getByTestId("delivery")).toHaveCount(2);
    await expect(log.getByTestId("delivery").filter({ hasText: eventId })).toContainText("Delivered");
    await expect(log.getByTestId("delivery").filter({ hasText: eventId })).toContainText("answered 200");
    await expectNoSeriousA11yViolations(page);

    // The receiver is its own type on the Connections list, and a filter (in the URL) finds it.
    await page.goto(`${team}/connections?type=WEBHOOK`);
    await expect(page.getByText("Shop events")).toBeVisible();
    await expect(page.getByText("Receives webhooks")).toBeVisible();
    await page.goto(`${team}/connections?type=NONE`);
    await expect(page.getByText("Shop events")).toHaveCount(0);
  } finally {
    await sink.close();
  }
});
