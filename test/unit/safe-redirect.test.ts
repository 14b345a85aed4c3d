import { describe, expect, it } from "vitest";
import { safeCallbackPath } from "@/lib/safe-redirect";

// Return URLs (issue 14, item 4): only our own origin, decided by resolving
// against the public URL (KEYWAY_PUBLIC_URL, http://localhost:3000 by default)
// as a browser would, never by how the string starts.

describe("safeCallbackPath", () => {
  it("refuses every spelling of another site", () => {
    const attacks = [
      "/\t/evil.example",
      "/\n/evil.example",
      "/\r\n/evil.example",
      "\t//evil.example",
      "//evil.example",
      "/\\evil.example",
      "\\\\evil.example",
      "/\\/evil.example",
      "https://evil.example/",
      "https:/evil.example",
      "javascript:alert(1)",
      "data:text/html,x",
      "//localhost:3000@evil.example",
      "http://localhost:3000.evil.example/",
      "http://localhost:3001/",
      "/\u2028/evil.example",
      "/\u0000/evil.example",
      "/\u007f/evil.example",
      "/\u0085/evil.example",
      "",
    ];
    for (const attack of attacks) expect(safeCallbackPath(attack, "/fallback"), JSON.stringify(attack)).toBe("/fallback");
    expect(safeCallbackPath(undefined)).toBe("/");
    expect(safeCallbackPath(["/a", "/b"])).toBe("/");
  });

  it("keeps our own paths, queries and fragments", () => {
    expect(safeCallbackPath("/t/acme/connections?x=1#top")).toBe("/t/acme/connections?x=1#top");
    expect(safeCallbackPath("/invite/abc_DEF-1")).toBe("/invite/abc_DEF-1");
    expect(safeCallbackPath("/oauth/callback?code=a%2Fb&state=s")).toBe("/oauth/callback?code=a%2Fb&state=s");
    // An absolute URL on the public origin is ours too; the browser is sent to its path.
    expect(safeCallbackPath("http://localhost:3000/t/acme")).toBe("/t/acme");
    // Same scheme without slashes is relative (as browsers read it too): a path on our origin.
    expect(safeCallbackPath("http:evil.example")).toBe("/evil.example");
    // Percent-encoded slashes stay encoded: a path on our origin, not a host.
    expect(safeCallbackPath("/%2F%2Fevil.example")).toBe("/%2F%2Fevil.example");
  });
});
