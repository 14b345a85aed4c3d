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
