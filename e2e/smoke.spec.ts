import { expect, test } from "./support/csp";
import { expectNoSeriousA11yViolations } from "./support/axe";

// The cheapest proof that the build, the database and the browser work together.
test("the sign-in page renders and passes axe", async ({ page }) => {
  const response = await page.goto("/signin");
  expect(response?.status()).toBe(200);
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await expectNoSeriousA11yViolations(page);
});
