// The README's start under test (e2e/readme-start.spec.ts): the spec itself
// runs `npm start` in a copy of this checkout with nothing but PATH, HOME and
// PORT in its environment, so unlike playwright.config.ts this starts no
// servers and needs no database. `npm test` runs it after the other browser
// tests; by hand: `npm run build && npx playwright test -c playwright.readme-start.config.ts`.
import { defineConfig } from "@playwright/test";
import { chromiumProject, TIME_SCALE } from "./e2e/support/chromium";

export default defineConfig({
  testDir: "e2e",
  testMatch: "readme-start.spec.ts",
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  reporter: "list",
  // Two starts of the app, each of which may have to build it first.
  timeout: 15 * 60_000 * TIME_SCALE,
  expect: { timeout: 10_000 * TIME_SCALE },
  use: { screenshot: "only-on-failure", trace: "retain-on-failure", actionTimeout: 30_000 * TIME_SCALE, navigationTimeout: 60_000 * TIME_SCALE },
  projects: [chromiumProject],
});
