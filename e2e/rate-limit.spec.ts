import { expect, test } from "@playwright/test";
import { formAlert, freshEmail, signIn, signOut, signUp } from "./support/journeys";

// playwright.config.ts starts two instances of the built app on one database.
const SECOND_INSTANCE = process.env.KEYWAY_E2E_SECOND_URL ?? "http://127.0.0.1:3101";

test("the per-account sign-in limit holds across two app instances sharing one database", async ({ page, browser }) => {
  const email = freshEmail("limited");
  await signUp(page, "Rate Limited", email);
  await signOut(page);

  const other = await (await browser.newContext({ baseURL: SECOND_INSTANCE })).newPage();
  // Five failures, alternating between the instances (the default limit is 5 per 15 minutes).
  for (let attempt = 0; attempt < 5; attempt++) {
    const target = attempt % 2 === 0 ? page : other;
    await signIn(target, email, `wrong password ${attempt}`);
    await expect(formAlert(target)).toHaveText("Email or password is incorrect.");
  }
  // Now even the right password is refused, on either instance.
  await signIn(other, email);
  await expect(formAlert(other)).toContainText("Too many sign-in attempts");
  await signIn(page, email);
  await expect(formAlert(page)).toContainText("Too many sign-in attempts");
});
