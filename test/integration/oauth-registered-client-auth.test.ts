import { randomBytes } from "node:crypto";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import { ProviderAgent } from "../support/oauth-agent";
import { RSA_KID, startClientAuthServer, type ClientAuthServer } from "../support/oauth-client-auth-server";
import type { ConnectionInput } from "@/lib/connections/schemas";

// Registered OAuth clients that authenticate with private_key_jwt (RFC 7523
// 2.2), tls_client_auth or self_signed_tls_client_auth (RFC 8705), each
// required by oidc-provider for an authorization-code client (issue 16, item
// 9): register the client, connect a connection with it through the
// provider's login and consent pages, then call the API through the proxy,
// refresh an expired token through the proxy, and disconnect (revocation).
// Every token endpoint request must authenticate with the client's method.

const PUBLIC_URL = "http://127.0.0.1:3998";
const CALLBACK = `${PUBLIC_URL}/oauth/callback`;
process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";
process.env.KEYWAY_PUBLIC_URL = PUBLIC_URL;

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let plain: ClientAuthServer;
let mtls: ClientAuthServer;
let connections: typeof import("@/lib/connections");
let clients: typeof import("@/lib/oauth/clients");
let authorize: typeof import("@/lib/oauth/authorize");
let tokens: typeof import("@/lib/oauth/tokens");
let certificates: typeof import("@/lib/connections/certificate-input");
let route: typeof import("@/app/api/proxy/[connection]/[[...path]]/route");
let owner: Awaited<ReturnType<typeof makeUser>>;
let apiKey: string;

beforeAll(async () => {
  env = await useFreshAppDatabase("oauth_registered_client_auth");
  [plain, mtls] = await Promise.all([startClientAuthServer({ https: false, redirectUris: [CALLBACK] }), startClientAuthServer({ https: true, redirectUris: [CALLBACK] })]);
  connections = await import("@/lib/connections");
  clients = await import("@/lib/oauth/clients");
  authorize = await import("@/lib/oauth/authorize");
  tokens = await import("@/lib/oauth/tokens");
  certificates = await import("@/lib/connections/certificate-input");
  route = await import("@/app/api/proxy/[connection]/[[...path]]/route");
  owner = await makeUser("registered-client-auth-owner");
  const apiKeys = await import("@/lib/api-keys");
  apiKey = (await apiKeys.createApiKey(teamId(), owner.actor, { name: "client auth service", expiresIn: "never" })).key;
});
afterAll(async () => {
  const { clearProxyTargets } = await import("@/lib/proxy/targets");
  const { stopListening } = await import("@/lib/db/notifications");
  await stopListening();
  await clearProxyTargets();
  await Promise.all([plain?.close(), mtls?.close()]);
  await env?.close();
});

const teamId = () => owner.personalTeam.id;
const user = () => ({ id: owner.id, email: owner.email });
const unique = (name: string) => `${name} ${randomBytes(3).toString("hex")}`;

function register(server: ClientAuthServer, clientId: string, method: "private_key_jwt" | "tls_client_auth" | "self_signed_tls_client_auth", key: { pem?: string; kid?: string } = {}) {
  return clients.createOAuthClient(teamId(), owner.actor, {
    name: unique(clientId),
    provider: "oidc",
    issuer: server.issuer,
    authorizationUrl: `${server.issuer}/auth`,
    tokenUrl: server.tokenUrl,
    revocationUrl: `${server.issuer}/token/revocation`,
    parUrl: "",
    clientId,
    clientSecret: "",
    scopes: "read",
    scopeSeparator: " ",
    tokenAuthMethod: method,
    clientPrivateKeyPem: key.pem ?? "",
    clientAssertionAlg: "RS256",
    clientAssertionKid: key.kid ?? "",
    pkce: true,
    extraAuthParams: [],
    notes: "",
  });
}

function codeConnection(server: ClientAuthServer, oauthClientRef: string): ConnectionInput {
  return {
    name: unique("registered"),
    baseUrl: server.resourceUrl,
    authType: "OAUTH2_CODE",
    oauthClientRef,
    authorizationUrl: "",
    tokenUrl: "",
    revocationUrl: "",
    clientId: "",
    clientSecret: "",
    tokenAuthMethod: "client_secret_basic",
    pkce: true,
    scopes: "",
    extraParams: [],
  };
}

function certificate(issued: { certPem: string; keyPem: string }) {
  const chosen = certificates.certificateToStore({ mode: "new", certificatePem: issued.certPem, privateKeyPem: issued.keyPem, passphrase: "", caPem: mtls.ca!.certPem }, false);
  if (!chosen.ok || chosen.certificate === "keep") throw new Error(JSON.stringify(chosen));
  return chosen.certificate;
}

async function connect(server: ClientAuthServer, connectionId: string) {
  const started = await authorize.startAuthorization(teamId(), owner.id, owner.actor, connectionId);
  if ("failed" in started) throw new Error(`authorization refused: ${JSON.stringify(await env.db.pendingAuthorization.findUnique({ where: { id: started.failed } }))}`);
  const callback = await new ProviderAgent(server.issuer, { ca: server.ca?.certPem }).signInAndConsent(started.url, "ada");
  return authorize.completeAuthorization(user(), callback.searchParams, "127.0.0.1");
}

async function proxied(connectionId: string) {
  const request = new Request(`http://keyway.test/api/proxy/${connectionId}/things`, { headers: { authorization: `Bearer ${apiKey}` } });
  const response = await route.GET(request, { params: Promise.resolve({ connection: connectionId }) });
  return { status: response.status, text: await response.text() };
}

/** Connects, calls the API through the proxy, refreshes an expired token through the proxy, then disconnects; the token endpoint requests the client made. */
async function lifecycle(server: ClientAuthServer, oauthClientRef: string, clientId: string, cert: ReturnType<typeof certificate> | null) {
  const { id } = await connections.createConnection(teamId(), owner.actor, codeConnection(server, oauthClientRef), cert);
  const before = server.tokenRequests().length;
  const result = await connect(server, id);
  expect(result.kind, `${JSON.stringify(result)} ${server.refusals().join(" | ")}`).toBe("finished");
  const row = await env.db.tokenSet.findUniqueOrThrow({ where: { connectionId: id } });
  expect(row.hasRefreshToken).toBe(true);

  const first = await proxied(id);
  expect(first.status, first.text).toBe(200);
  expect(JSON.parse(first.text)).toMatchObject({ ok: true, client_id: clientId });

  // Expired here: the proxy refreshes (with the client's method) before it sends.
  const { accessToken: old } = tokens.openTokens(id, row.tokens);
  await env.db.tokenSet.update({ where: { connectionId: id }, data: { expiresAt: new Date(Date.now() - 1000) } });
  // The proxy keeps its targets (token included) in memory; a write behind its back is not announced to it.
  const { clearProxyTargets } = await import("@/lib/proxy/targets");
  await clearProxyTargets();
  const second = await proxied(id);
  expect(second.status, `${second.text} ${server.refusals().join(" | ")}`).toBe(200);
  const refreshed = await env.db.tokenSet.findUniqueOrThrow({ where: { connectionId: id } });
  expect(tokens.openTokens(id, refreshed.tokens).accessToken).not.toBe(old);

  const disconnected = await tokens.disconnectConnection(await tokens.findConnectionForTokens(teamId(), id), owner.actor);
  expect(JSON.stringify(disconnected)).toMatch(/"revoked":true/);
  const made = server.tokenRequests().slice(before);
  expect(made.slice(0, 3)).toEqual([`${clientId} authorization_code`, `${clientId} refresh_token`, `${clientId} revocation`]);
  expect(made.every((request) => request.startsWith(`${clientId} `))).toBe(true);
  expect(server.refusals()).toEqual([]);
  return id;
}

describe("a registered client with private_key_jwt", () => {
  it("connects, refreshes through the proxy and revokes with client assertions signed by the saved key", async () => {
    const client = await register(plain, "keyway-pkjwt-code", "private_key_jwt", { pem: plain.rsaKeyPem, kid: RSA_KID });
    const id = await lifecycle(plain, client.id, "keyway-pkjwt-code", null);
    const sent = plain.assertions()["keyway-pkjwt-code"]!;
    expect(sent.length).toBeGreaterThanOrEqual(2);
    for (const assertion of sent) {
      expect(decodeProtectedHeader(assertion)).toMatchObject({ alg: "RS256", kid: RSA_KID });
      expect(decodeJwt(assertion)).toMatchObject({ iss: "keyway-pkjwt-code", sub: "keyway-pkjwt-code" });
    }

    // The key: encrypted, never in the view, the connection, the audit log or the tokens; its public half is shown.
    const keyBody = plain.rsaKeyPem.split("\n")[1]!;
    const row = await env.db.oAuthClient.findUniqueOrThrow({ where: { id: client.id } });
    expect(row.privateKey).toBeTruthy();
    expect(row.privateKey).not.toContain(keyBody);
    const view = await clients.findOAuthClient(teamId(), client.id);
    expect(view).toMatchObject({ hasPrivateKey: true, assertionAlg: "RS256", assertionKid: RSA_KID, publicJwk: { kty: "RSA", kid: RSA_KID, alg: "RS256", use: "sig" } });
    expect(view.keyThumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const audit = await env.db.auditEvent.findMany({ where: { objectId: { in: [client.id, id] } }, select: { data: true } });
    for (const shown of [view, (await clients.listOAuthClients(teamId())).find((c) => c.id === client.id), audit]) expect(JSON.stringify(shown)).not.toContain(keyBody);
    expect(JSON.stringify(view)).not.toContain("privateKey\"");
  });

  it("an edit that leaves the key empty keeps it; a key that does not fit the algorithm is refused on its field; rotation re-seals it", async () => {
    const client = await register(plain, "keyway-pkjwt-code", "private_key_jwt", { pem: plain.rsaKeyPem, kid: RSA_KID });
    const saved = await env.db.oAuthClient.findUniqueOrThrow({ where: { id: client.id } });
    const input = {
      name: saved.name, provider: "oidc", issuer: plain.issuer, authorizationUrl: `${plain.issuer}/auth`, tokenUrl: plain.tokenUrl, revocationUrl: "", parUrl: "", clientId: "keyway-pkjwt-code",
      clientSecret: "", scopes: "read", scopeSeparator: " " as const, tokenAuthMethod: "private_key_jwt" as const, clientPrivateKeyPem: "", clientAssertionAlg: "RS256" as const, clientAssertionKid: RSA_KID, pkce: true, extraAuthParams: [], notes: "",
    };
    await clients.updateOAuthClient(teamId(), owner.actor, client.id, input);
    expect((await env.db.oAuthClient.findUniqueOrThrow({ where: { id: client.id } })).privateKey).toBe(saved.privateKey);
    await expect(clients.updateOAuthClient(teamId(), owner.actor, client.id, { ...input, clientPrivateKeyPem: plain.ecKeyPem })).rejects.toMatchObject({ field: "clientPrivateKeyPem", message: expect.stringMatching(/RS256 needs an RSA key/) });
    await expect(clients.updateOAuthClient(teamId(), owner.actor, client.id, { ...input, clientAssertionAlg: "ES256" })).rejects.toMatchObject({ field: "clientAssertionAlg" });
    await expect(register(plain, "keyway-pkjwt-code", "private_key_jwt")).rejects.toMatchObject({ field: "clientPrivateKeyPem" });

    const crypto = await import("@/lib/crypto");
    const { rotateAllSecrets } = await import("@/lib/connections/rotate");
    const newKey = `k2:${randomBytes(32).toString("base64")}`;
    const counts = await rotateAllSecrets(crypto.parseKeyring(`${newKey},${process.env.KEYWAY_ENCRYPTION_KEYS}`));
    expect(counts["OAuth client private keys"]!.rotated).toBeGreaterThanOrEqual(1);
    const rotated = await env.db.oAuthClient.findUniqueOrThrow({ where: { id: client.id } });
    expect(rotated.privateKey).not.toBe(saved.privateKey);
    expect(crypto.decryptSecret(rotated.privateKey!, clients.clientKeyContext(client.id), crypto.parseKeyring(`${newKey}`))).toContain(plain.rsaKeyPem.split("\n")[1]!);
  });
});

describe("a registered client with a client certificate", () => {
  for (const [method, clientId, which] of [
    ["tls_client_auth", "keyway-tls-code", "tlsClient"],
    ["self_signed_tls_client_auth", "keyway-self-signed-code", "selfSigned"],
  ] as const) {
    it(`${method}: each connection's certificate authenticates the client at code exchange, refresh and revocation`, async () => {
      const client = await register(mtls, clientId, method);
      await lifecycle(mtls, client.id, clientId, certificate(mtls[which]!));
      const view = await clients.findOAuthClient(teamId(), client.id);
      expect(view.connections[0]!.clientCertFingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    });
  }

  it("a connection without a certificate is refused on the client field", async () => {
    const client = await register(mtls, "keyway-tls-code", "tls_client_auth");
    await expect(connections.createConnection(teamId(), owner.actor, codeConnection(mtls, client.id), null)).rejects.toMatchObject({ field: "oauthClientRef", message: expect.stringMatching(/client certificate/) });
  });
});
