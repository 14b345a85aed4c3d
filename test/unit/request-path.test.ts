import { describe, expect, it } from "vitest";
import { pathTrick } from "@/lib/connections/request-path";

// Issue 14, item 6: a path whose segments, percent-decoded once, are "." or
// "..", or hold "\", NUL or a ";" dot trick, is refused.

describe("pathTrick", () => {
  it("refuses every spelling of a dot segment", () => {
    const tricks = [
      "/..",
      "/../etc",
      "/.",
      "/a/./b",
      "/%2e%2e/etc",
      "/%2E%2E/etc",
      "/.%2e/etc",
      "/..%2fetc",
      "/..%2Fetc",
      "/%2e%2e%2fetc",
      "/..\\etc",
      "/..%5cetc",
      "/a\\b",
      "/..;/etc",
      "/..;jsessionid=1/etc",
      "/%2e%2e;/etc",
      "/.;/etc",
      "/a/%00/b",
      "/a%00.json",
      "/%zz",
    ];
    for (const trick of tricks) expect(pathTrick(trick), trick).not.toBeNull();
  });

  it("keeps ordinary paths, encoded slashes and dots inside names", () => {
    for (const fine of ["", "/", "/users/42", "/a%2Fb/c", "/file.v2.json", "/...", "/.well-known/x", "/a;b=1/c", "/%252e%252e/x", "/caf%C3%A9"]) {
      expect(pathTrick(fine), fine).toBeNull();
    }
  });
});
