import { expect, test } from "@playwright/test";
import { freshEmail, signUp } from "./support/journeys";
import { TIME_SCALE } from "./support/chromium";

// React 19 resets a form after its action settles; the connection form's
// controlled radios and checkboxes must still show the draft afterwards, not
// the checkedness they were first rendered with.

test("after the server answers a save, the auth-type list and a header's Secret box still show what was chosen", async ({ page }) => {
  test.setTimeout(90_000 * TIME_SCALE);
  const team = await signUp(page, "Rita Reset", freshEmail("form-reset"));
  await page.goto(`${team}/connections/new`);
  await page.getByLabel("Name", { exact: true }).fill("Closed port");
  // Nothing listens on port 9: the check fails on the server, and nothing is saved.
  await page.getByLabel("Base URL").fill("http://127.0.0.1:9");
  await page.getByRole("radio", { name: "Header auth", exact: true }).check();
  await page.locator("#headers-0-name").fill("X-Api-Key");
  await page.locator("#headers-0-value").fill("not-a-secret-here");
  const secret = page.locator("#headers-0-secret");
  await secret.setChecked(false);
  await page.getByRole("button", { name: "Save and test" }).click();
  await expect(page.getByTestId("save-test-result")).toContainText(/refused/i, { timeout: 20_000 });

  await expect(page.getByRole("radio", { name: "Header auth", exact: true })).toBeChecked();
  await expect(page.getByRole("radio", { name: "None", exact: true })).not.toBeChecked();
  await expect(secret).not.toBeChecked();
  await expect(page.locator("#headers-0-name")).toHaveValue("X-Api-Key");
});

test("after the server refuses a new notification channel, the channel form still shows the chosen kind and what was typed", async ({ page }) => {
  test.setTimeout(90_000 * TIME_SCALE);
  const team = await signUp(page, "Nora Notify", freshEmail("form-reset-channel"));
  await page.goto(`${team}/notifications`);
  const form = page.getByRole("form", { name: "Add a channel" });
  // Slack is not the kind first shown: a reset would put the radios back to that one.
  await expect(async () => {
    await form.getByRole("radio", { name: /Slack/ }).check();
    await expect(form.getByLabel("Slack incoming-webhook URL")).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 30_000 * TIME_SCALE });
  await form.getByLabel("Name").fill("Slack #ops");
  const recovered = form.getByRole("checkbox", { name: /connection\.recovered/ });
  await recovered.setChecked(false);
  // The schema lets an empty URL through (an edit keeps the saved one); the server refuses it for a new channel.
  await form.getByRole("button", { name: "Add channel" }).click();
  await expect(form.getByText("Paste the Slack incoming-webhook URL.")).toBeVisible({ timeout: 20_000 * TIME_SCALE });

  await expect(form.getByRole("radio", { name: /Slack/ })).toBeChecked();
  await expect(form.getByRole("radio", { name: /^Email/ })).not.toBeChecked();
  await expect(form.getByLabel("Slack incoming-webhook URL")).toBeVisible();
  await expect(form.getByLabel("Name")).toHaveValue("Slack #ops");
  await expect(recovered).not.toBeChecked();
  await expect(page.getByText("Channel “Slack #ops” added.")).toHaveCount(0);
});
