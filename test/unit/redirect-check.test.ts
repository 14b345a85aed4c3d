import { describe, expect, it } from "vitest";
import { checkRedirectUri } from "@/lib/oauth/redirect-check";

const CALLBACK = "https://keyway.example.com/oauth/callback";
const differing = (pasted: string) => {
  const result = checkRedirectUri(pasted, CALLBACK);
  if (!result.ok) throw new Error(result.problem);
  return result.parts.filter((p) => !p.same).map((p) => p.part);
};

describe("the redirect URI checker", () => {
  it("finds nothing to fix in the callback URL itself", () => {
    const result = checkRedirectUri(CALLBACK, CALLBACK);
    expect(result).toMatchObject({ ok: true, identical: true, source: "pasted" });
    expect(differing(CALLBACK)).toEqual([]);
  });

  it("names each part that differs", () => {
    expect(differing("http://keyway.example.com/oauth/callback")).toEqual(["scheme"]);
    expect(differing("https://keyway.example.com/oauth/callback/")).toEqual(["trailing slash"]);
    expect(differing("https://localhost/oauth/callback")).toEqual(["host"]);
    expect(differing("https://keyway.example.com:8443/oauth/callback")).toEqual(["port"]);
    expect(differing("https://keyway.example.com/api/auth/callback")).toEqual(["path"]);
    expect(differing("https://keyway.example.com/oauth%2Fcallback")).toEqual(["encoding"]);
    expect(differing("https://keyway.example.com/oauth/callback?x=1")).toEqual(["query"]);
  });

  it("reads the redirect_uri out of an authorization or error page URL, and an encoded value", () => {
    const authorizeUrl = `https://accounts.google.com/o/oauth2/v2/auth?client_id=x&redirect_uri=${encodeURIComponent("http://keyway.example.com/oauth/callback/")}&response_type=code`;
    const result = checkRedirectUri(authorizeUrl, CALLBACK);
    expect(result).toMatchObject({ ok: true, source: "redirect_uri parameter", found: "http://keyway.example.com/oauth/callback/", identical: false });
    expect(differing(authorizeUrl)).toEqual(["scheme", "trailing slash"]);
    expect(differing(encodeURIComponent(CALLBACK))).toEqual([]);
  });

  it("says what is wrong with something that is not a URL", () => {
    expect(checkRedirectUri("", CALLBACK)).toMatchObject({ ok: false });
    expect(checkRedirectUri("keyway.example.com/oauth/callback", CALLBACK)).toMatchObject({ ok: false, problem: expect.stringContaining("is not a URL") });
  });
});
