import { describe, expect, it } from "vitest";
import { explainOAuthError, sanitizeDescription, sanitizeErrorCode } from "@/lib/oauth/errors";
import { isFresh, REFRESH_MARGIN_MS } from "@/lib/oauth/freshness";
import { normalizeTokenResponse } from "@/lib/oauth/http";
import { oauthState } from "@/lib/oauth/state";
import { oauthClientCredentialsAuthSchema, oauthClientInputSchema, oauthCodeAuthSchema, scopesFromText, suggestTokenAuthMethod } from "@/lib/oauth/schemas";
import { storeAuth } from "@/lib/connections/stored";
import { connectionInputSchema } from "@/lib/connections/schemas";
import { applyAuth, secretStrings } from "@/lib/connections/apply-auth";

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

describe("token endpoint answers that only look odd", () => {
  it("turns GitHub's 200-with-error into a 400 error", () => {
    const out = normalizeTokenResponse(200, "application/json; charset=utf-8", json({ error: "bad_verification_code", error_description: "The code passed is incorrect or expired." }));
    expect(out?.status).toBe(400);
    expect(JSON.parse(out!.body)).toMatchObject({ error: "bad_verification_code" });
  });

  it("reads a form-encoded answer, and takes a non-standard token_type as bearer", () => {
    const out = normalizeTokenResponse(200, "application/x-www-form-urlencoded", Buffer.from("access_token=gho_abc&scope=repo%2Cuser&token_type=bot"));
    expect(out?.status).toBe(200);
    expect(JSON.parse(out!.body)).toEqual({ access_token: "gho_abc", scope: "repo,user", token_type: "bearer" });
  });

  it("adds a missing token_type and drops the ID token Keyway does not use", () => {
    const out = normalizeTokenResponse(200, "application/json", json({ access_token: "a", id_token: "x.y.z", expires_in: 3600 }));
    expect(JSON.parse(out!.body)).toEqual({ access_token: "a", token_type: "bearer", expires_in: 3600 });
  });

  it("leaves an ordinary error and a non-JSON body alone", () => {
    expect(normalizeTokenResponse(400, "application/json", json({ error: "invalid_grant" }))).toEqual({ status: 400, body: JSON.stringify({ error: "invalid_grant" }), contentType: "application/json" });
    expect(normalizeTokenResponse(502, "text/html", Buffer.from("<h1>Bad gateway</h1>"))).toBeUndefined();
  });
});

describe("when a token is refreshed before use", () => {
  const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, seconds));
  it("refreshes an hour-long token in its last minute", () => {
    const row = { obtainedAt: at(0), refreshedAt: null, expiresAt: at(3600) };
    expect(isFresh(row, at(3600 - 61).getTime())).toBe(true);
    expect(isFresh(row, at(3600 - 59).getTime())).toBe(false);
    expect(REFRESH_MARGIN_MS).toBe(60_000);
  });
  it("gives a short-lived token half its lifetime, so it is not refreshed at every use", () => {
    const row = { obtainedAt: at(0), refreshedAt: at(100), expiresAt: at(130) };
    expect(isFresh(row, at(114).getTime())).toBe(true);
    expect(isFresh(row, at(116).getTime())).toBe(false);
  });
  it("treats a token without expiry as fresh until the API refuses it", () => {
    expect(isFresh({ obtainedAt: at(0), refreshedAt: null, expiresAt: null }, at(99999).getTime())).toBe(true);
  });
  it("uses a token nothing can renew until its real expiry, not half its life", () => {
    const row = { obtainedAt: at(0), refreshedAt: null, expiresAt: at(3600), renewable: false };
    expect(isFresh(row, at(3600 - 5).getTime())).toBe(true);
    expect(isFresh(row, at(3600 - 1).getTime())).toBe(false);
  });
});

describe("one state for an authorization code connection", () => {
  const soon = new Date(Date.now() + 60_000);
  const past = new Date(Date.now() - 1000);
  const code = (status: "UNTESTED" | "WORKING" | "FAILING" | "NEEDS_REAUTH", tokenSet: { expiresAt: Date | null; hasRefreshToken: boolean } | null) => oauthState({ authType: "OAUTH2_CODE", status, tokenSet });
  it("is derived from status and token set, needs-reauth winning over saved tokens", () => {
    expect(code("UNTESTED", null)).toEqual({ kind: "not-connected" });
    expect(code("WORKING", { expiresAt: soon, hasRefreshToken: true })).toEqual({ kind: "connected", renewable: true, expiresAt: soon });
    expect(code("WORKING", { expiresAt: soon, hasRefreshToken: false })).toEqual({ kind: "connected", renewable: false, expiresAt: soon });
    expect(code("WORKING", { expiresAt: past, hasRefreshToken: false })).toEqual({ kind: "expired", expiresAt: past });
    expect(code("WORKING", { expiresAt: past, hasRefreshToken: true })).toMatchObject({ kind: "connected" });
    expect(code("NEEDS_REAUTH", { expiresAt: soon, hasRefreshToken: false })).toEqual({ kind: "needs-reauth", hadRefreshToken: false });
    expect(code("NEEDS_REAUTH", null)).toEqual({ kind: "needs-reauth", hadRefreshToken: true });
    expect(oauthState({ authType: "BEARER", status: "WORKING", tokenSet: null })).toEqual({ kind: "status" });
  });
});

describe("provider errors in words", () => {
  it("explains redirect_uri_mismatch (and its other names) with the callback URL", () => {
    for (const code of ["redirect_uri_mismatch", "invalid_redirect_uri"]) expect(explainOAuthError(code).showCallbackUrl).toBe(true);
    expect(explainOAuthError("invalid_request", "redirect_uri did not match any of the client's registered redirect_uris").showCallbackUrl).toBe(true);
    expect(explainOAuthError("invalid_request", "missing code_challenge").showCallbackUrl).toBeUndefined();
  });
  it("has a fix for each error the issue names, and names an unknown one", () => {
    for (const code of ["invalid_client", "invalid_scope", "access_denied", "unauthorized_client", "invalid_grant"]) {
      const explained = explainOAuthError(code);
      expect(explained.title).not.toContain(code);
      expect(explained.fix.length).toBeGreaterThan(40);
    }
    expect(explainOAuthError("weird_thing").title).toContain("weird_thing");
  });
  it("keeps only token-shaped codes and plain, short descriptions", () => {
    expect(sanitizeErrorCode("access_denied")).toBe("access_denied");
    expect(sanitizeErrorCode('<script>"')).toBe("unknown_error");
    expect(sanitizeDescription("line one\r\nline two")).toBe("line one line two");
    expect(sanitizeDescription("x".repeat(900))).toHaveLength(500);
  });
});

const client = {
  name: "Google",
  provider: "google",
  issuer: "https://accounts.google.com",
  authorizationUrl: "https://accounts.google.com/o/oauth2/v2/auth",
  tokenUrl: "https://oauth2.googleapis.com/token",
  revocationUrl: "",
  parUrl: "",
  clientId: "123.apps.googleusercontent.com",
  clientSecret: "GOCSPX-secret",
  scopes: "openid email",
  scopeSeparator: " " as const,
  tokenAuthMethod: "client_secret_post" as const,
  pkce: true,
  extraAuthParams: [{ name: "access_type", value: "offline" }],
  notes: "",
};

describe("the OAuth client schema", () => {
  it("accepts a template's client", () => {
    expect(oauthClientInputSchema.safeParse(client).success).toBe(true);
  });
  it("refuses what would break the protocol, with the field's path", () => {
    const issues = (value: object) => oauthClientInputSchema.safeParse({ ...client, ...value }).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(issues({ tokenUrl: "ftp://x" })).toEqual([expect.stringMatching(/^tokenUrl: /)]);
    expect(issues({ authorizationUrl: "https://a.example/auth#frag" })).toEqual(["authorizationUrl: An OAuth endpoint cannot have a #fragment."]);
    expect(issues({ extraAuthParams: [{ name: "redirect_uri", value: "https://evil.example" }] })).toEqual(["extraAuthParams.0.name: Keyway sets this parameter itself."]);
    expect(issues({ tokenAuthMethod: "none", pkce: false, clientSecret: "" })).toEqual(["pkce: A public client (no secret) must use PKCE."]);
    expect(issues({ scopes: 'read "write"' })).toEqual([expect.stringMatching(/^scopes: /)]);
  });
  it("offers private_key_jwt and the certificate methods, checking only the chosen method's fields", () => {
    const issues = (value: object) => oauthClientInputSchema.safeParse({ ...client, clientSecret: "", ...value }).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(issues({ tokenAuthMethod: "tls_client_auth" })).toBeUndefined();
    expect(issues({ tokenAuthMethod: "self_signed_tls_client_auth" })).toBeUndefined();
    expect(issues({ tokenAuthMethod: "private_key_jwt", clientPrivateKeyPem: "not a key" })).toEqual([expect.stringMatching(/^clientPrivateKeyPem: Paste a PEM private key/)]);
    expect(issues({ tokenAuthMethod: "private_key_jwt", clientPrivateKeyPem: "-----BEGIN ENCRYPTED PRIVATE KEY-----\nx\n-----END ENCRYPTED PRIVATE KEY-----" })).toEqual([expect.stringMatching(/^clientPrivateKeyPem: Paste the key without a passphrase/)]);
    expect(issues({ tokenAuthMethod: "private_key_jwt", clientAssertionAlg: "HS256" })).toEqual(["clientAssertionAlg: Choose RS256, PS256 or ES256."]);
    // A secret method does not look at the key fields.
    expect(issues({ tokenAuthMethod: "client_secret_basic", clientPrivateKeyPem: "not a key" })).toBeUndefined();
  });
  it("suggests, from a provider's token_endpoint_auth_methods_supported, the current method if listed, else a secret, a private key, a certificate", () => {
    expect(suggestTokenAuthMethod("client_secret_basic", [])).toBe("client_secret_basic");
    expect(suggestTokenAuthMethod("client_secret_basic", ["client_secret_post", "private_key_jwt"])).toBe("client_secret_post");
    expect(suggestTokenAuthMethod("client_secret_basic", ["private_key_jwt", "tls_client_auth"])).toBe("private_key_jwt");
    expect(suggestTokenAuthMethod("client_secret_basic", ["self_signed_tls_client_auth", "tls_client_auth"])).toBe("tls_client_auth");
    expect(suggestTokenAuthMethod("self_signed_tls_client_auth", ["private_key_jwt", "self_signed_tls_client_auth"])).toBe("self_signed_tls_client_auth");
    expect(suggestTokenAuthMethod("client_secret_post", ["none"])).toBe("client_secret_post");
  });
  it("splits scopes on spaces and commas, once each", () => {
    expect(scopesFromText(" read,write  read\nadmin ")).toEqual(["read", "write", "admin"]);
  });
});

const codeInput = {
  name: "Drive",
  baseUrl: "https://www.googleapis.com/drive/v3",
  authType: "OAUTH2_CODE",
  oauthClientRef: "",
  authorizationUrl: "https://provider.example/authorize",
  tokenUrl: "https://provider.example/token",
  revocationUrl: "",
  clientId: "abc",
  clientSecret: "client-secret-value",
  tokenAuthMethod: "client_secret_basic",
  pkce: true,
  scopes: "read write",
  extraParams: [],
};

describe("OAuth2 connections", () => {
  it("need the client's endpoints only when no registered client is chosen", () => {
    const missing = oauthCodeAuthSchema.safeParse({ ...codeInput, authorizationUrl: "", tokenUrl: "", clientId: "" });
    expect(missing.error?.issues.map((i) => i.path.join("."))).toEqual(["authorizationUrl", "tokenUrl", "clientId"]);
    expect(oauthCodeAuthSchema.safeParse({ ...codeInput, oauthClientRef: "oc123", authorizationUrl: "", tokenUrl: "", clientId: "" }).success).toBe(true);
  });
  it("refuse a public client for client credentials, and audience twice", () => {
    const cc = { authType: "OAUTH2_CLIENT_CREDENTIALS", oauthClientRef: "", tokenUrl: "https://p.example/token", clientId: "m2m", clientSecret: "s", tokenAuthMethod: "none", scopes: "", audience: "api", extraParams: [{ name: "audience", value: "api" }] };
    expect(oauthClientCredentialsAuthSchema.safeParse(cc).error?.issues.map((i) => i.path.join("."))).toEqual(["tokenAuthMethod", "audience"]);
  });
  it("keep a client secret typed in place encrypted-side only, and keep it on an edit that leaves it empty", () => {
    const input = connectionInputSchema.parse(codeInput);
    const first = storeAuth(input, null);
    expect(first.secrets.clientSecret).toBe("client-secret-value");
    expect(JSON.stringify(first.config)).not.toContain("client-secret-value");
    expect(first.hints.clientSecret).toEqual({ set: true, lastFour: "alue" });
    const edited = storeAuth(connectionInputSchema.parse({ ...codeInput, clientSecret: "" }), { authType: "OAUTH2_CODE", config: first.config, secrets: first.secrets });
    expect(edited.secrets.clientSecret).toBe("client-secret-value");
    expect(() => storeAuth(connectionInputSchema.parse({ ...codeInput, clientSecret: "" }), null)).toThrow();
  });
  it("send the access token as a bearer token, and redact it", () => {
    const auth = { authType: "BEARER" as const, accessToken: "ya29.token-value" };
    const out = applyAuth(auth, { url: new URL("https://api.example/x"), headers: { authorization: "Basic caller" } });
    expect(out.headers).toEqual({ Authorization: "Bearer ya29.token-value" });
    expect(secretStrings(auth, { headers: new Set(), params: new Set() })).toEqual(["ya29.token-value"]);
  });
});
