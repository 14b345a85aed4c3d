import { describe, expect, it } from "vitest";
import { formatRelative, formatUtc } from "@/lib/dates";
import { parseTheme } from "@/lib/theme";

const NOW = Date.UTC(2026, 11, 2, 7, 30, 0);
const at = (seconds: number) => new Date(NOW + seconds * 1000);

describe("the one date language", () => {
  it("says how long ago or how soon, in words", () => {
    expect(formatRelative(at(-10), NOW)).toBe("just now");
    expect(formatRelative(at(-5 * 60), NOW)).toBe("5 minutes ago");
    expect(formatRelative(at(2 * 3600), NOW)).toBe("in 2 hours");
    expect(formatRelative(at(-26 * 3600), NOW)).toBe("yesterday");
    expect(formatRelative(at(6 * 86400), NOW)).toBe("in 6 days");
  });

  it("steps up to the next unit when the rounded value reaches it", () => {
    // A link that expires in 24 hours reads the same a few seconds either side.
    expect(formatRelative(at(86400 - 20), NOW)).toBe("tomorrow");
    expect(formatRelative(at(86400 + 20), NOW)).toBe("tomorrow");
    expect(formatRelative(at(-(3600 - 10)), NOW)).toBe("1 hour ago");
    expect(formatRelative(at(59.6 * 60), NOW)).toBe("in 1 hour");
  });

  it("names the day beyond a month, and the exact moment in UTC (never the viewer's zone)", () => {
    expect(formatRelative(new Date(Date.UTC(2026, 2, 3, 23, 59)), NOW)).toBe("on Mar 3, 2026");
    expect(formatUtc(new Date(Date.UTC(2026, 2, 3, 23, 59)))).toBe("Mar 3, 2026, 11:59 PM UTC");
  });
});

describe("the theme cookie", () => {
  it("is light or dark, anything else follows the system", () => {
    expect(parseTheme("dark")).toBe("dark");
    expect(parseTheme("light")).toBe("light");
    expect(parseTheme(undefined)).toBe("system");
    expect(parseTheme("<script>")).toBe("system");
  });
});

describe("status badges speak it too", () => {
  it("says since when a connection has been failing in the same words as every other date", async () => {
    const { stateLabel } = await import("@/lib/health/state");
    const failingSince = (seconds: number) => stateLabel({ kind: "FAILING", since: at(-seconds), summary: null }, NOW).label;
    expect(failingSince(14 * 60)).toBe("Failing since 14 minutes ago");
    expect(failingSince(26 * 3600)).toBe("Failing since yesterday");
    expect(failingSince(45 * 86400)).toBe(`Failing since ${formatRelative(at(-45 * 86400), NOW).slice("on ".length)}`);
    expect(failingSince(45 * 86400)).toMatch(/^Failing since [A-Z][a-z]{2} \d{1,2}, 2026$/);
  });
});
