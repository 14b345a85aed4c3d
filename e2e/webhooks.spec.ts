import { createHmac } from "node:crypto";
import { mkdirSync } from "node:fs";
import { expect, test } from "@playwright/test";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { freshEmail, signUp } from "./support/journeys";
import { collectResponses } from "./support/responses";
import { TIME_SCALE } from "./support/chromium";

// A member creates a Webhook receiver; events posted to its webhook URL
// (through either app instance) appear on its page without a reload; a signing
// secret set on the page makes unsigned events refused and counted, and never
// comes back to the browser.

const SECRET = "whsec-e2e-0123456789-wxyz";

test("a webhook receiver's page lists posted events as they arrive, and checks signatures once a secret is set", async ({ page, request }) => {
  test.setTimeout(90_000 * TIME_SCALE);
  const responses = collectResponses(page);
  const team = await signUp(page, "Hook Member", freshEmail("webhooks"));

  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Inbound hooks");
  await page.getByRole("radio", { name: "Webhook receiver", exact: true }).check();
  await expect(page.getByLabel("Base URL")).toHaveCount(0);
  await page.getByRole("button", { name: "Create connection" }).click();
  await page.waitForURL(/\/connections\/c[0-9a-f]+\?saved=1$/);

  const hookUrl = (await page.locator("[data-copy-source]").textContent()) ?? "";
  expect(hookUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/hooks\/[A-Za-z0-9_-]{20,}$/);
  await expect(page.getByTestId("webhook-events-empty")).toBeVisible();

  // Anything that reloads or navigates the page loses this mark.
  await page.evaluate(() => ((window as unknown as { keywayMark: string }).keywayMark = "same document"));
  let navigations = 0;
  page.on("framenavigated", (frame) => {
    if (frame === page.mainFrame()) navigations += 1;
  });

  const first = await request.post(hookUrl, { data: { event: "order.created", id: 42 }, headers: { "X-Shop-Topic": "orders/create" } });
  expect(first.status()).toBe(202);
  await expect(page.getByTestId("webhook-event")).toHaveCount(1, { timeout: 15_000 });
  await expect(page.getByTestId("webhook-event-detail")).toContainText("x-shop-topic");
  await expect(page.getByTestId("webhook-event-body")).toContainText('"event": "order.created"');
  expect(navigations).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { keywayMark?: string }).keywayMark)).toBe("same document");

  // Posted to the other instance: it lands in the same list.
  const second = process.env.KEYWAY_E2E_SECOND_URL ? hookUrl.replace(new URL(hookUrl).origin, process.env.KEYWAY_E2E_SECOND_URL) : hookUrl;
  expect((await request.post(second, { data: "plain=text&from=second", headers: { "Content-Type": "application/x-www-form-urlencoded" } })).status()).toBe(202);
  expect((await request.post(hookUrl, { data: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00]), headers: { "Content-Type": "image/png" } })).status()).toBe(202);
  await expect(page.getByTestId("webhook-event")).toHaveCount(3, { timeout: 15_000 });
  expect(navigations).toBe(0);
  await expect(page.getByTestId("webhook-events-note")).toContainText("newest 3 of 3 kept events");

  // Choosing an event shows it in full.
  await page.getByTestId("webhook-event").nth(0).click();
  await expect(page.getByTestId("webhook-event-detail")).toContainText("Binary content of 9 B");
  await page.getByTestId("webhook-event").nth(1).click();
  await expect(page.getByTestId("webhook-event-body")).toHaveText("plain=text&from=second");

  // Other methods are refused.
  const get = await request.get(hookUrl);
  expect(get.status()).toBe(405);
  expect(get.headers()["allow"]).toBe("POST");

  // A signing secret.
  await page.getByLabel("Signing secret").fill(SECRET);
  await page.getByRole("button", { name: "Save signature settings" }).click();
  await expect(page.getByTestId("webhook-secret-state")).toContainText("Set, ends in wxyz");
  await expect(page.getByLabel("New signing secret")).toHaveValue("");

  const body = JSON.stringify({ event: "order.paid", id: 42 });
  const signed = await request.post(hookUrl, { data: body, headers: { "Content-Type": "application/json", "X-Signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}` } });
  expect(signed.status()).toBe(202);
  const unsigned = await request.post(hookUrl, { data: body, headers: { "Content-Type": "application/json" } });
  expect(unsigned.status()).toBe(401);
  await expect(page.getByTestId("webhook-event")).toHaveCount(4, { timeout: 15_000 });
  await expect(page.getByTestId("webhook-event").first()).toContainText("Verified");
  await expect(page.getByText("1 event was refused for a missing or wrong signature")).toBeVisible({ timeout: 15_000 });

  await page.getByTestId("webhook-event").first().click();
  await expect(page.getByTestId("webhook-event-body")).toContainText('"event": "order.paid"');
  await expectNoSeriousA11yViolations(page);
  mkdirSync("/tmp/shots", { recursive: true });
  await page.screenshot({ path: "/tmp/shots/webhooks.png", fullPage: true });

  // The saved secret never came back to the browser.
  for (const text of responses) expect(text).not.toContain(SECRET);
});
