import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { pageRole, teamSlugOf } from "@/lib/page-roles";

const TEAM_PAGES = path.resolve(__dirname, "../../app/(app)/t/[team]");

/** Every page.tsx under the team's folder, with the address it serves ("[connection]" → "x1"). */
function teamPages(dir = TEAM_PAGES): Array<{ file: string; pathname: string }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return teamPages(full);
    if (entry.name !== "page.tsx") return [];
    const route = path.relative(TEAM_PAGES, path.dirname(full)).split(path.sep).filter(Boolean);
    if (route.some((part) => part.startsWith("[..."))) return [];
    return [{ file: full, pathname: ["/t/platform", ...route.map((part) => (part.startsWith("[") ? "x1" : part))].join("/") }];
  });
}

describe("the 403 page's list of the role each team page needs", () => {
  it("agrees with the role every team page asks requireMember for", () => {
    const pages = teamPages();
    expect(pages.length).toBeGreaterThan(10);
    for (const { file, pathname } of pages) {
      const asked = [...readFileSync(file, "utf8").matchAll(/requireMember\(slug(?:, "([A-Z]+)")?\)/g)].map((m) => m[1] ?? "VIEWER");
      for (const role of asked) expect(pageRole(pathname), `${pathname} (${path.relative(TEAM_PAGES, file)})`).toBe(role);
    }
  });

  it("finds the team in the address", () => {
    expect(teamSlugOf("/t/platform/api-keys")).toBe("platform");
    expect(teamSlugOf("/account")).toBeUndefined();
  });
});
