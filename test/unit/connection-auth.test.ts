import { describe, expect, it } from "vitest";
import { applyAuth, basicAuthorization, redact, REDACTED, resolveRequestUrl, secretStrings, type ResolvedAuth } from "@/lib/connections/apply-auth";
import { fieldErrorsOf } from "@/lib/forms";
import { connectionInputSchema } from "@/lib/connections/schemas";

function errorsOf(input: unknown): Record<string, string> {
  const parsed = connectionInputSchema.safeParse(input);
  return parsed.success ? {} : fieldErrorsOf(parsed.error);
}

const base = { name: "Stripe", baseUrl: "https://api.example.com/v1" };

describe("connection schemas", () => {
  it("accepts one valid connection of each type", () => {
    const valid = [
      { ...base, authType: "NONE" },
      { ...base, authType: "BASIC", username: "ada", password: "pässwörd" },
      { ...base, authType: "HEADER", headers: [{ name: "X-Api-Key", value: "k", secret: true }] },
      { ...base, authType: "QUERY", params: [{ name: "api_key", value: "k", secret: true }, { name: "v", value: "2", secret: false }] },
      { ...base, authType: "CUSTOM", headers: [], params: [{ name: "tenant", value: "t", secret: false }], username: "ada", password: "x" },
    ];
    for (const input of valid) expect(errorsOf(input), JSON.stringify(input)).toEqual({});
  });

  it("refuses header names and values that HTTP does not allow, with the field's path", () => {
    const header = (name: string, value = "v") => ({ ...base, authType: "HEADER", headers: [{ name, value, secret: false }] });
    expect(errorsOf(header("X Key"))["headers.0.name"]).toMatch(/no spaces/);
    expect(errorsOf(header("X-Key:"))["headers.0.name"]).toMatch(/no spaces or colons/);
    expect(errorsOf(header("Host"))["headers.0.name"]).toMatch(/sets this header itself/);
    expect(errorsOf(header("content-length"))["headers.0.name"]).toMatch(/sets this header itself/);
    expect(errorsOf(header("X-Key", "a\r\nX-Injected: 1"))["headers.0.value"]).toMatch(/line breaks/);
    expect(errorsOf(header("X-Key", "a\nb"))["headers.0.value"]).toMatch(/line breaks/);
    expect(errorsOf(header("X-Key", "a\u0000b"))["headers.0.value"]).toMatch(/control characters/);
    expect(errorsOf(header("X-Key", " padded "))["headers.0.value"]).toMatch(/spaces at the start or end/);
  });

  it("refuses the same header twice, whatever its case", () => {
    const input = { ...base, authType: "HEADER", headers: [{ name: "X-Key", value: "a", secret: false }, { name: "x-key", value: "b", secret: true }] };
    expect(errorsOf(input)["headers.1.name"]).toMatch(/already set/);
  });

  it("requires something to send for header, query and custom auth", () => {
    expect(errorsOf({ ...base, authType: "HEADER", headers: [] }).headers).toMatch(/at least one header/);
    expect(errorsOf({ ...base, authType: "QUERY", params: [] }).params).toMatch(/at least one parameter/);
    expect(errorsOf({ ...base, authType: "CUSTOM", headers: [], params: [], username: "", password: "" }).headers).toMatch(/header, a query parameter or Basic/);
  });

  it("refuses an Authorization header beside Basic credentials in custom auth", () => {
    const input = { ...base, authType: "CUSTOM", headers: [{ name: "authorization", value: "Bearer x", secret: true }], params: [], username: "ada", password: "p" };
    expect(errorsOf(input)["headers.0.name"]).toMatch(/already set the Authorization header/);
  });

  it("refuses a colon in a Basic username (RFC 7617)", () => {
    expect(errorsOf({ ...base, authType: "BASIC", username: "a:b", password: "p" }).username).toMatch(/colon/);
  });

  it("accepts only http(s) base URLs without credentials or fragments", () => {
    const withUrl = (baseUrl: string) => errorsOf({ name: "x", baseUrl, authType: "NONE" }).baseUrl;
    expect(withUrl("ftp://example.com")).toMatch(/http:\/\/ or https:\/\//);
    expect(withUrl("javascript:alert(1)")).toMatch(/http:\/\/ or https:\/\//);
    expect(withUrl("not a url")).toMatch(/http:\/\/ or https:\/\//);
    expect(withUrl("https://user:pass@example.com")).toMatch(/not in the URL/);
    expect(withUrl("https://example.com/#top")).toMatch(/fragment/);
    expect(withUrl("http://localhost:8080/api")).toBeUndefined();
  });

  it("refuses an unknown authentication type", () => {
    expect(connectionInputSchema.safeParse({ ...base, authType: "KERBEROS" }).success).toBe(false);
  });
});

describe("resolveRequestUrl", () => {
  it("puts the path under the base URL's path, with or without a leading slash", () => {
    expect(resolveRequestUrl("https://api.example.com/v1", "users").href).toBe("https://api.example.com/v1/users");
    expect(resolveRequestUrl("https://api.example.com/v1/", "/users?limit=2").href).toBe("https://api.example.com/v1/users?limit=2");
    expect(resolveRequestUrl("https://api.example.com/v1?key=k", "").href).toBe("https://api.example.com/v1?key=k");
    expect(resolveRequestUrl("https://api.example.com", "/").href).toBe("https://api.example.com/");
  });

  it("never leaves the base URL", () => {
    expect(() => resolveRequestUrl("https://api.example.com/v1", "https://evil.example/")).toThrow(/relative/);
    expect(() => resolveRequestUrl("https://api.example.com/v1", "//evil.example/x")).toThrow(/relative/);
    expect(() => resolveRequestUrl("https://api.example.com/v1", "../admin")).toThrow(/“\.\.”/);
    expect(() => resolveRequestUrl("https://api.example.com/v1", "%2e%2e/admin")).toThrow(/“\.\.”/);
    // What the API behind may decode or ignore: an encoded slash, a backslash, Tomcat's ";".
    for (const trick of ["..%2fadmin", "..%5Cadmin", "..\\admin", "..;/admin", "%2e%2e;x=1/admin", "a/%00/b"]) {
      expect(() => resolveRequestUrl("https://api.example.com/v1", trick), trick).toThrow();
    }
  });
});

describe("applyAuth", () => {
  const request = () => ({ url: new URL("https://api.example.com/v1/items?api_key=caller&page=2"), headers: { accept: "application/json", authorization: "Bearer caller" } });

  it("sends Basic as base64 of the UTF-8 bytes of user:password", () => {
    const out = applyAuth({ authType: "BASIC", username: "zoë", password: "pä:ss" }, request());
    expect(out.headers.Authorization).toBe(`Basic ${Buffer.from("zoë:pä:ss", "utf8").toString("base64")}`);
    expect(out.headers.authorization).toBeUndefined(); // the caller's header is replaced, not doubled
    expect(basicAuthorization("Aladdin", "open sesame")).toBe("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  });

  it("sets header auth's headers over the caller's, whatever their case", () => {
    const out = applyAuth({ authType: "HEADER", headers: [{ name: "Authorization", value: "Token t" }, { name: "X-Org", value: "o" }] }, request());
    expect(out.headers).toEqual({ accept: "application/json", Authorization: "Token t", "X-Org": "o" });
  });

  it("puts query params on the URL, replacing the caller's of the same name and keeping repeats", () => {
    const out = applyAuth({ authType: "QUERY", params: [{ name: "api_key", value: "s3 cr&t" }, { name: "tag", value: "a" }, { name: "tag", value: "b" }] }, request());
    expect(out.url.searchParams.getAll("api_key")).toEqual(["s3 cr&t"]);
    expect(out.url.searchParams.getAll("tag")).toEqual(["a", "b"]);
    expect(out.url.searchParams.get("page")).toBe("2");
  });

  it("combines headers, params and Basic in custom auth", () => {
    const auth: ResolvedAuth = { authType: "CUSTOM", headers: [{ name: "X-Org", value: "o" }], params: [{ name: "tenant", value: "t" }], basic: { username: "u", password: "p" } };
    const out = applyAuth(auth, request());
    expect(out.headers["X-Org"]).toBe("o");
    expect(out.headers.Authorization).toBe(basicAuthorization("u", "p"));
    expect(out.url.searchParams.get("tenant")).toBe("t");
  });

  it("leaves the request alone for None, and never mutates the caller's objects", () => {
    const original = request();
    const out = applyAuth({ authType: "NONE" }, original);
    expect(out.url.href).toBe(original.url.href);
    expect(out.headers).toEqual(original.headers);
    applyAuth({ authType: "QUERY", params: [{ name: "api_key", value: "x" }] }, original);
    expect(original.url.searchParams.get("api_key")).toBe("caller");
  });
});

describe("redaction", () => {
  it("removes every form of a secret that a stored request could contain", () => {
    const auth: ResolvedAuth = {
      authType: "CUSTOM",
      headers: [{ name: "X-Api-Key", value: "hdr-secret-1" }, { name: "X-Org", value: "public-org" }],
      params: [{ name: "key", value: "q secret&2" }],
      basic: { username: "ada", password: "basic-secret-3" },
    };
    const secrets = secretStrings(auth, { headers: new Set(["x-api-key"]), params: new Set(["key"]) });
    const out = applyAuth(auth, { url: new URL("https://api.example.com/"), headers: {} });
    const stored = redact(JSON.stringify({ url: out.url.href, headers: out.headers }), secrets);
    for (const secret of ["hdr-secret-1", "q secret&2", "q+secret%262", "basic-secret-3", basicAuthorization("ada", "basic-secret-3").slice(6)]) {
      expect(stored).not.toContain(secret);
    }
    expect(stored).toContain("public-org");
    expect(stored).toContain(REDACTED);
  });
});
