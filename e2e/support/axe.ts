import AxeBuilder from "@axe-core/playwright";
import { expect, type Page } from "@playwright/test";

/** WCAG 2.1 A and AA, the level SPEC.md's users can expect, plus axe's best practices. */
const TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

/**
 * Scans the page as it is now and fails if axe finds a serious or critical
 * violation. The failure lists each one (rule id, what to fix, the elements),
 * so the fix can start from the test report without re-running axe.
 * Minor and moderate findings are left to review rather than failing builds.
 */
export async function expectNoSeriousA11yViolations(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).withTags(TAGS).analyze();
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  const report = serious
    .map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(" ")}`).join("\n")}`)
    .join("\n");
  // Compare ids only: the full axe objects would bury the report under a long diff.
  expect(serious.map((v) => v.id), `Serious accessibility violations on ${page.url()}:\n${report}`).toEqual([]);
}
