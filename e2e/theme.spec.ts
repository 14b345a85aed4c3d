import type { Page } from "@playwright/test";
import { expect, test } from "./support/csp";
import { TIME_SCALE } from "./support/chromium";
import { expectNoSeriousA11yViolations } from "./support/axe";
import { freshEmail, signUp } from "./support/journeys";

// Dark mode (issue 20, item 1): the system's prefers-color-scheme is followed
// until the visitor chooses; the choice (System / Light / Dark) persists across
// pages and reloads, is in the server's HTML (no flash of the other theme, no
// inline script under the nonce CSP), and pages stay axe clean in the dark.

/** The page's background as relative luminance (0 black, 1 white). */
async function backgroundLuminance(page: Page): Promise<number> {
  return page.evaluate(() => {
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 1;
    const context = canvas.getContext("2d")!;
    // The canvas converts any CSS colour (oklch included) to sRGB bytes.
    context.fillStyle = getComputedStyle(document.body).backgroundColor;
    context.fillRect(0, 0, 1, 1);
    const [r, g, b] = Array.from(context.getImageData(0, 0, 1, 1).data).map((v) => {
      const c = v / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  });
}

const isDark = async (page: Page) => (await backgroundLuminance(page)) < 0.1;

test("the theme follows the system until chosen, the choice persists and is rendered by the server, and dark pages pass axe", async ({ browser }) => {
  test.setTimeout(240_000 * TIME_SCALE);
  const context = await browser.newContext({ colorScheme: "dark" });
  const page = await context.newPage();

  // No choice yet: the system's dark preference is followed, and a light one too.
  await page.goto("/signin");
  expect(await isDark(page)).toBe(true);
  await expectNoSeriousA11yViolations(page);
  await page.emulateMedia({ colorScheme: "light" });
  expect(await isDark(page)).toBe(false);

  // Dark, chosen on a light system: applied at once, kept across pages and reloads.
  const team = await signUp(page, "Dana Dark", freshEmail("theme"));
  const theme = page.getByRole("group", { name: "Theme" }).filter({ visible: true });
  await theme.getByRole("button", { name: "Dark" }).click();
  expect(await isDark(page)).toBe(true);
  await expect(theme.getByRole("button", { name: "Dark" })).toHaveAttribute("aria-pressed", "true");
  await page.goto(`${team}/connections/new`);
  expect(await isDark(page)).toBe(true);
  await expectNoSeriousA11yViolations(page);
  await page.getByRole("button", { name: "Create connection" }).click();
  await expect(page.getByLabel("Name", { exact: true })).toHaveAttribute("aria-invalid", "true");
  await expectNoSeriousA11yViolations(page); // field errors in the dark
  await page.goto(`${team}/members`);
  await expectNoSeriousA11yViolations(page);
  await page.reload();
  expect(await isDark(page)).toBe(true);

  // The server renders the choice into the HTML: the first paint is already dark, without a script.
  const html = await (await page.request.get(`${team}/connections`)).text();
  expect(html).toMatch(/<html[^>]*data-theme="dark"/);

  // Light on a dark system.
  await page.emulateMedia({ colorScheme: "dark" });
  await page.getByRole("group", { name: "Theme" }).filter({ visible: true }).getByRole("button", { name: "Light" }).click();
  expect(await isDark(page)).toBe(false);
  await page.goto(`${team}/connections`);
  expect(await isDark(page)).toBe(false);

  // Back to System: the cookie goes, and the system decides again.
  await page.getByRole("group", { name: "Theme" }).filter({ visible: true }).getByRole("button", { name: "System" }).click();
  expect(await isDark(page)).toBe(true);
  expect((await context.cookies()).find((c) => c.name === "keyway-theme")).toBeUndefined();
  await page.reload();
  expect(await isDark(page)).toBe(true);
  expect(await (await page.request.get(`${team}/connections`)).text()).not.toMatch(/<html[^>]*data-theme=/);
  await context.close();
});
