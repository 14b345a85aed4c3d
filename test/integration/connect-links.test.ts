import { generateKeyPairSync, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import { ProviderAgent } from "../support/oauth-agent";
import { startOAuthServer, type OAuthServer } from "../support/oauth-server";
import { startApiServer } from "../support/api-server";
import { ASSERTION_CLIENT, ASSERTION_ISSUER, ASSERTION_KID, startGoogleTokenServer, startOidcJwtBearerServer, type GoogleTokenServer, type OidcJwtBearerServer } from "../support/jwt-bearer-servers";
import type { ConnectionInput } from "@/lib/connections/schemas";

// Connect links below the UI, against the real authorization server the
// OAuth tests use: a link made by a member (or a key) lets someone with no
// account authorize one connection, in the browser that opened the link,
// once; or type a connection's secrets, once. Revoked and expired links do
// nothing, the token is kept only as a hash, and every step is audited.

const PUBLIC_URL = "http://127.0.0.1:3999";
const CALLBACK = `${PUBLIC_URL}/oauth/callback`;
process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";
process.env.KEYWAY_PUBLIC_URL = PUBLIC_URL;
process.env.KEYWAY_API_MAX_PER_MINUTE = "1000";

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let as: OAuthServer;
let api: Awaited<ReturnType<typeof startApiServer>>;
let google: GoogleTokenServer;
let jwtServer: OidcJwtBearerServer;
let links: typeof import("@/lib/connect-links");
let connections: typeof import("@/lib/connections");
let authorize: typeof import("@/lib/oauth/authorize");
let owner: Awaited<ReturnType<typeof makeUser>>;
let other: Awaited<ReturnType<typeof makeUser>>;

beforeAll(async () => {
  env = await useFreshAppDatabase("connect_links");
  as = await startOAuthServer({ port: 0, redirectUris: [CALLBACK], logErrors: false });
  api = await startApiServer();
  [google, jwtServer] = await Promise.all([startGoogleTokenServer(), startOidcJwtBearerServer()]);
  links = await import("@/lib/connect-links");
  connections = await import("@/lib/connections");
  authorize = await import("@/lib/oauth/authorize");
  owner = await makeUser("link-owner");
  other = await makeUser("link-other");
});
afterAll(async () => {
  const { closePool } = await import("@/lib/db/pool");
  await api?.close();
  await as?.close();
  await Promise.all([google?.close(), jwtServer?.close()]);
  await closePool();
  await env?.close();
});

const teamId = () => owner.personalTeam.id;
const tokenOf = (url: string) => url.slice(`${PUBLIC_URL}/connect/`.length);

async function codeConnection(name: string) {
  const { discoverIssuer } = await import("@/lib/oauth/http");
  const { createOAuthClient } = await import("@/lib/oauth/clients");
  const discovered = await discoverIssuer(as.issuer);
  const client = as.clients.short;
  const registered = await createOAuthClient(teamId(), owner.actor, {
    name: `client for ${name}`,
    provider: "oidc",
    issuer: discovered.issuer,
    authorizationUrl: discovered.authorizationUrl!,
    tokenUrl: discovered.tokenUrl,
    revocationUrl: "",
    parUrl: discovered.parUrl ?? "",
    clientId: client.clientId,
    clientSecret: client.clientSecret ?? "",
    scopes: "read write",
    scopeSeparator: " ",
    tokenAuthMethod: client.tokenEndpointAuthMethod,
    pkce: true,
    extraAuthParams: [],
    notes: "",
  });
  const input: ConnectionInput = {
    name,
    baseUrl: as.resourceUrl,
    authType: "OAUTH2_CODE",
    oauthClientRef: registered.id,
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
  return (await connections.createConnection(teamId(), owner.actor, input, null)).id;
}

async function auditActions(connectionId: string) {
  return (await env.db.auditEvent.findMany({ where: { objectId: connectionId }, orderBy: { id: "asc" } })).map((event) => event.action);
}

describe("an OAuth2 connection's link", () => {
  it("lets someone without an account authorize it once, in the browser that opened it, showing only the team, connection, provider and scopes", async () => {
    const connectionId = await codeConnection("CRM of the customer");
    const { url, link } = await links.createConnectLink(teamId(), owner.actor, connectionId, { expiresInHours: 1 });
    expect(url).toMatch(new RegExp(`^${PUBLIC_URL}/connect/kwl_[A-Za-z0-9_-]{43}$`));
    const token = tokenOf(url);
    // Only the hash is kept.
    const row = await env.db.connectLink.findUniqueOrThrow({ where: { id: link.id } });
    expect(row.tokenHash).not.toContain(token.slice(4));
    expect(JSON.stringify(row)).not.toContain(token);

    const opened = await links.openConnectLink(token, "198.51.100.7");
    expect(opened).toEqual({ state: "active", link: { teamName: owner.personalTeam.name, connectionName: "CRM of the customer", expiresAt: row.expiresAt, kind: "oauth", provider: new URL(as.issuer).host, scopes: ["read", "write"] } });
    await links.openConnectLink(token, "198.51.100.7");

    const started = await links.startConnectLinkAuthorization(token, "198.51.100.7");
    if (!("url" in started)) throw new Error("authorization refused");
    const callback = await new ProviderAgent(as.issuer).signInAndConsent(started.url, "customer");
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);

    // Another browser (no nonce, or another one), or a signed-in member, cannot complete it, and nothing is used up.
    expect(await links.completeConnectLinkAuthorization(callback.searchParams, undefined, "203.0.113.9")).toEqual({ kind: "refused", reason: "other-browser" });
    expect(await links.completeConnectLinkAuthorization(callback.searchParams, randomBytes(32).toString("base64url"), "203.0.113.9")).toEqual({ kind: "refused", reason: "other-browser" });
    expect(await authorize.completeAuthorization({ id: owner.id, email: owner.email }, callback.searchParams, "203.0.113.9")).toMatchObject({ kind: "refused" });
    expect(await env.db.tokenSet.findUnique({ where: { connectionId } })).toBeNull();

    const finished = await links.completeConnectLinkAuthorization(callback.searchParams, started.nonce, "198.51.100.7");
    expect(finished).toMatchObject({ kind: "finished" });
    expect(await env.db.tokenSet.findUnique({ where: { connectionId } })).not.toBeNull();
    const outcome = await links.connectLinkOutcome((finished as { pendingId: string }).pendingId, started.nonce);
    expect(outcome).toMatchObject({ outcome: "connected", connection: { name: "CRM of the customer" } });
    expect(await links.connectLinkOutcome((finished as { pendingId: string }).pendingId, "another-browser")).toBeNull();

    // Used once: the same answer again, the page, and a new start are all refused.
    expect(await links.completeConnectLinkAuthorization(callback.searchParams, started.nonce, "198.51.100.7")).toEqual({ kind: "refused", reason: "used-state" });
    expect(await links.openConnectLink(token, null)).toEqual({ state: "used" });
    await expect(links.startConnectLinkAuthorization(token, null)).rejects.toThrow("This link was already used.");
    expect((await links.listConnectLinks(teamId(), connectionId))[0]).toMatchObject({ id: link.id, state: "used" });

    expect(await auditActions(connectionId)).toEqual(["connection.created", "connect_link.created", "connect_link.opened", "connect_link.completed", "connection.connected"]);
    const completed = await env.db.auditEvent.findFirstOrThrow({ where: { objectId: connectionId, action: "connect_link.completed" } });
    expect(completed).toMatchObject({ actorId: null, ip: "198.51.100.7", data: { connectLinkId: link.id, via: "authorization" } });
    expect(completed.actorLabel).toContain(`sent by ${owner.email}`);
  });

  it("a link revoked while its person is at the provider stores nothing", async () => {
    const connectionId = await codeConnection("Revoked midway");
    const { url, link } = await links.createConnectLink(teamId(), owner.actor, connectionId, { expiresInHours: 24 });
    const started = await links.startConnectLinkAuthorization(tokenOf(url), null);
    if (!("url" in started)) throw new Error("authorization refused");
    const callback = await new ProviderAgent(as.issuer).signInAndConsent(started.url, "late");
    await links.revokeConnectLink(teamId(), owner.actor, connectionId, link.id);
    const finished = await links.completeConnectLinkAuthorization(callback.searchParams, started.nonce, null);
    expect(await links.connectLinkOutcome((finished as { pendingId: string }).pendingId, started.nonce)).toMatchObject({ outcome: "failed", errorCode: "link_no_longer_valid" });
    expect(await env.db.tokenSet.findUnique({ where: { connectionId } })).toBeNull();
    expect(await links.openConnectLink(tokenOf(url), null)).toEqual({ state: "revoked" });
  });
});

describe("a link for typing secrets", () => {
  it("saves exactly the connection's secret fields once, keeps its other settings, and refuses empty fields by name", async () => {
    const { id: connectionId } = await connections.createConnection(
      teamId(),
      owner.actor,
      { name: "Billing", baseUrl: "https://billing.example.test", authType: "HEADER", headers: [{ name: "X-Api-Key", value: "placeholder", secret: true }, { name: "X-Tenant", value: "acme", secret: false }] } as ConnectionInput,
      null,
    );
    const { url } = await links.createConnectLink(teamId(), owner.actor, connectionId, { expiresInHours: 168 });
    const token = tokenOf(url);
    const opened = await links.openConnectLink(token, null);
    expect(opened.state === "active" && opened.link.kind === "secrets" ? opened.link.slots.map((slot) => slot.label) : null).toEqual(["Header X-Api-Key"]);
    const [slot] = opened.state === "active" && opened.link.kind === "secrets" ? opened.link.slots : [];

    expect(await links.submitConnectLinkSecrets(token, {}, null)).toEqual({ fieldErrors: { [slot!.key]: "Fill in “Header X-Api-Key”." } });
    expect(await links.submitConnectLinkSecrets(token, { [slot!.key]: "real-key-4242" }, "192.0.2.5")).toEqual({ ok: true });
    const saved = await env.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    const config = saved.config as { headers: { name: string; value?: string; id: string }[] };
    expect(config.headers.map((h) => h.name)).toEqual(["X-Api-Key", "X-Tenant"]);
    expect(connections.openSecrets(connectionId, saved.secrets).entries?.[config.headers[0]!.id]).toBe("real-key-4242");
    expect(saved.secretHints).toMatchObject({ [`headers:${config.headers[0]!.id}`]: { set: true, lastFour: "4242" } });
    expect(JSON.stringify((await env.db.auditEvent.findMany({ where: { objectId: connectionId } })).map((e) => e.data))).not.toContain("real-key-4242");

    await expect(links.submitConnectLinkSecrets(token, { [slot!.key]: "again" }, null)).rejects.toThrow("This link was already used.");
    expect(await auditActions(connectionId)).toEqual(["connection.created", "connect_link.created", "connect_link.opened", "connect_link.completed"]);
  });

  it("expired, revoked, unknown and malformed links open nothing; a connection with nothing to type gets no link", async () => {
    const { id: connectionId } = await connections.createConnection(teamId(), owner.actor, { name: "Token", baseUrl: "https://t.example.test", authType: "BEARER", token: "old-token" } as ConnectionInput, null);
    const expired = await links.createConnectLink(teamId(), owner.actor, connectionId, { expiresInHours: 1 });
    await env.db.connectLink.update({ where: { id: expired.link.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    expect(await links.openConnectLink(tokenOf(expired.url), null)).toEqual({ state: "expired" });
    await expect(links.submitConnectLinkSecrets(tokenOf(expired.url), { token: "x" }, null)).rejects.toThrow("This link has expired.");
    const revoked = await links.createConnectLink(teamId(), owner.actor, connectionId, { expiresInHours: 1 });
    await links.revokeConnectLink(teamId(), owner.actor, connectionId, revoked.link.id);
    expect(await links.openConnectLink(tokenOf(revoked.url), null)).toEqual({ state: "revoked" });
    expect(await links.openConnectLink(`kwl_${randomBytes(32).toString("base64url")}`, null)).toEqual({ state: "unknown" });
    expect(await links.openConnectLink("../../etc", null)).toEqual({ state: "unknown" });
    expect(connections.openSecrets(connectionId, (await env.db.connection.findUniqueOrThrow({ where: { id: connectionId } })).secrets).token).toBe("old-token");

    const { id: hookId } = await connections.createConnection(teamId(), owner.actor, { name: "Hook", baseUrl: "https://h.example.test", authType: "NONE" } as ConnectionInput, null);
    await expect(links.createConnectLink(teamId(), owner.actor, hookId, { expiresInHours: 1 })).rejects.toThrow("A connect link needs something to authorize or type");
    // Another team's connection is not found.
    await expect(links.createConnectLink(other.personalTeam.id, other.actor, connectionId, { expiresInHours: 1 })).rejects.toThrow("does not exist");
  });
});

describe("a link for a service account's key", () => {
  const GET = { method: "GET" as const, path: "/reports", headers: [], body: "" };
  const NO_EXPIRED_RULE = { expiredStatuses: "401", expiredJsonPointer: "", expiredJsonValue: "", expiredBodyContains: "" };
  const slotsOf = (opened: Awaited<ReturnType<typeof links.openConnectLink>>) => (opened.state === "active" && opened.link.kind === "secrets" ? opened.link.slots : null);
  const otherRsaKey = () => generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();

  it("takes a Google service account's key file, checked as the connection form checks it, and the connection then gets tokens with it", async () => {
    // Saved with another account's key file (as if the team made the connection before the owner sent the real one).
    const stale = JSON.parse(google.keyFile({ clientEmail: "old@keyway-test.iam.gserviceaccount.com" })) as Record<string, string>;
    const { id: connectionId } = await connections.createConnection(
      teamId(),
      owner.actor,
      { name: "Directory", baseUrl: google.apiUrl, authType: "GOOGLE_SERVICE_ACCOUNT", serviceAccountKey: JSON.stringify({ ...stale, private_key_id: "old-key", private_key: otherRsaKey() }), subject: "", scopes: "https://www.googleapis.com/auth/admin.directory.user.readonly", ...NO_EXPIRED_RULE } as ConnectionInput,
      null,
    );
    const testing = await import("@/lib/connections/test-request");
    expect((await testing.runTestRequest(teamId(), owner.actor, connectionId, GET)).status).not.toBe(200);

    const { url } = await links.createConnectLink(teamId(), owner.actor, connectionId, { expiresInHours: 24 });
    const token = tokenOf(url);
    expect(slotsOf(await links.openConnectLink(token, null))).toEqual([expect.objectContaining({ key: "serviceAccountKey", label: "Service account key file (JSON)", multiline: true })]);

    // The connection form's own messages, under the link's field.
    expect(await links.submitConnectLinkSecrets(token, { serviceAccountKey: "" }, null)).toEqual({ fieldErrors: { serviceAccountKey: "Fill in “Service account key file (JSON)”." } });
    expect(await links.submitConnectLinkSecrets(token, { serviceAccountKey: "not json" }, null)).toEqual({ fieldErrors: { serviceAccountKey: expect.stringMatching(/^That is not JSON/) } });
    expect(await links.submitConnectLinkSecrets(token, { serviceAccountKey: JSON.stringify({ web: { client_id: "x" } }) }, null)).toEqual({ fieldErrors: { serviceAccountKey: expect.stringMatching(/OAuth client file/) } });
    const unreadable = { ...JSON.parse(google.keyFile()), private_key: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n" };
    expect(await links.submitConnectLinkSecrets(token, { serviceAccountKey: JSON.stringify(unreadable) }, null)).toEqual({ fieldErrors: { serviceAccountKey: expect.stringMatching(/^The key file's private_key cannot sign/) } });

    expect(await links.submitConnectLinkSecrets(token, { serviceAccountKey: google.keyFile() }, null)).toEqual({ ok: true });
    const saved = await env.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    // The account, key id and token URL come from the new file, as when the form saves one.
    expect((saved.config as { oauth: Record<string, unknown> }).oauth).toMatchObject({ issuer: "reporting@keyway-test.iam.gserviceaccount.com", assertionKid: JSON.parse(google.keyFile()).private_key_id, tokenUrl: google.tokenUri });
    expect(saved.secretHints).toMatchObject({ serviceAccountKey: { set: true } });
    expect(saved.status).toBe("UNTESTED");
    expect((await testing.runTestRequest(teamId(), owner.actor, connectionId, GET)).status).toBe(200);
    expect(google.requests().at(-1)?.problems).toEqual([]);
  });

  it("takes the JWT bearer grant's private key, refusing what cannot sign with the chosen algorithm", async () => {
    const { id: connectionId } = await connections.createConnection(
      teamId(),
      owner.actor,
      {
        name: "Reports",
        baseUrl: jwtServer.apiUrl,
        authType: "OAUTH2_JWT_BEARER",
        tokenUrl: jwtServer.tokenUrl,
        issuer: ASSERTION_ISSUER,
        subject: "reporting-bot",
        audience: "",
        clientId: ASSERTION_CLIENT,
        assertionKeyPem: jwtServer.strangerKeyPem,
        assertionAlg: "RS256",
        assertionKid: ASSERTION_KID,
        scopes: "read",
        ...NO_EXPIRED_RULE,
      } as ConnectionInput,
      null,
    );
    const { url } = await links.createConnectLink(teamId(), owner.actor, connectionId, { expiresInHours: 24 });
    const token = tokenOf(url);
    expect(slotsOf(await links.openConnectLink(token, null))).toEqual([expect.objectContaining({ key: "assertionKeyPem", label: `Private key (PEM) of ${ASSERTION_ISSUER}`, multiline: true })]);

    expect(await links.submitConnectLinkSecrets(token, { assertionKeyPem: "hunter2" }, null)).toEqual({ fieldErrors: { assertionKeyPem: expect.stringMatching(/^Paste a PEM private key/) } });
    expect(await links.submitConnectLinkSecrets(token, { assertionKeyPem: "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----" }, null)).toEqual({
      fieldErrors: { assertionKeyPem: expect.stringMatching(/without a passphrase/) },
    });
    expect(await links.submitConnectLinkSecrets(token, { assertionKeyPem: jwtServer.ecKeyPem }, null)).toEqual({ fieldErrors: { assertionKeyPem: expect.stringMatching(/RS256/) } });

    expect(await links.submitConnectLinkSecrets(token, { assertionKeyPem: `\n${jwtServer.rsaKeyPem}\n` }, null)).toEqual({ ok: true });
    const saved = await env.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(connections.openSecrets(connectionId, saved.secrets).assertionKeyPem).toBe(jwtServer.rsaKeyPem.trim());
    expect(saved.secretHints).toEqual({ assertionKeyPem: { set: true } });
    const testing = await import("@/lib/connections/test-request");
    expect((await testing.runTestRequest(teamId(), owner.actor, connectionId, GET)).status).toBe(200);
  });

  it("asks a private_key_jwt client for its private key, not a client secret it does not have", async () => {
    const { id: connectionId } = await connections.createConnection(
      teamId(),
      owner.actor,
      {
        name: "Signed client",
        baseUrl: "https://signed.example.test",
        authType: "OAUTH2_CLIENT_CREDENTIALS",
        oauthClientRef: "",
        tokenUrl: "https://signed.example.test/token",
        clientId: "signed-client",
        clientSecret: "",
        tokenAuthMethod: "private_key_jwt",
        clientPrivateKeyPem: otherRsaKey(),
        clientAssertionAlg: "RS256",
        clientAssertionKid: "",
        scopes: "",
        audience: "",
        extraParams: [],
        ...NO_EXPIRED_RULE,
      } as ConnectionInput,
      null,
    );
    const { url } = await links.createConnectLink(teamId(), owner.actor, connectionId, { expiresInHours: 24 });
    const token = tokenOf(url);
    expect(slotsOf(await links.openConnectLink(token, null))?.map((slot) => slot.key)).toEqual(["clientPrivateKeyPem"]);
    expect(await links.submitConnectLinkSecrets(token, { clientPrivateKeyPem: "secret" }, null)).toEqual({ fieldErrors: { clientPrivateKeyPem: expect.stringMatching(/^Paste a PEM private key/) } });
    const fresh = otherRsaKey();
    expect(await links.submitConnectLinkSecrets(token, { clientPrivateKeyPem: fresh }, null)).toEqual({ ok: true });
    const saved = await env.db.connection.findUniqueOrThrow({ where: { id: connectionId } });
    expect(connections.openSecrets(connectionId, saved.secrets).clientPrivateKeyPem).toBe(fresh.trim());
    expect(connections.openSecrets(connectionId, saved.secrets).clientSecret).toBeUndefined();
  });
});

describe("the API", () => {
  it("creates (with the URL once), lists and revokes links with a connections:write key, validating the expiry", async () => {
    const { createApiKey } = await import("@/lib/api-keys");
    const writer = (await createApiKey(teamId(), owner.actor, { name: "links", expiresIn: "never", scopes: ["connections:read", "connections:write"] })).key;
    const reader = (await createApiKey(teamId(), owner.actor, { name: "links reader", expiresIn: "never", scopes: ["connections:read"] })).key;
    const connectionId = await codeConnection("Through the API");
    const client = api.client(writer);

    const tooLong = await client.POST("/connections/{id}/connect-links", { params: { path: { id: connectionId } }, body: { expiresInHours: 200 } });
    expect(tooLong.response.status).toBe(422);
    expect(tooLong.error).toMatchObject({ errors: [{ pointer: "/expiresInHours", message: "A link stays usable for at most 7 days (168 hours)." }] });
    expect((await api.client(reader).POST("/connections/{id}/connect-links", { params: { path: { id: connectionId } }, body: { expiresInHours: 1 } })).response.status).toBe(403);

    // The document gives expiresInHours a default; openapi-typescript types a defaulted field as required, so the cast.
    const created = await client.POST("/connections/{id}/connect-links", { params: { path: { id: connectionId } }, body: {} as never });
    expect(created.response.status).toBe(201);
    expect(created.data).toMatchObject({ state: "active", connectionId, url: expect.stringMatching(/\/connect\/kwl_/) as string });
    expect(new Date(created.data!.expiresAt).getTime() - Date.now()).toBeGreaterThan(71 * 60 * 60 * 1000);
    expect((await links.openConnectLink(tokenOf(created.data!.url), null)).state).toBe("active");

    const listed = await api.client(reader).GET("/connections/{id}/connect-links", { params: { path: { id: connectionId } } });
    expect(listed.data!.data).toEqual([expect.objectContaining({ id: created.data!.id, state: "active", openedAt: expect.any(String) as string })]);
    expect(JSON.stringify(listed.data)).not.toContain(tokenOf(created.data!.url));

    expect((await client.DELETE("/connections/{id}/connect-links/{linkId}", { params: { path: { id: connectionId, linkId: created.data!.id } } })).response.status).toBe(204);
    expect((await links.openConnectLink(tokenOf(created.data!.url), null)).state).toBe("revoked");
    const audit = await env.db.auditEvent.findMany({ where: { objectId: connectionId, action: { startsWith: "connect_link." } }, orderBy: { id: "asc" } });
    expect(audit.map((e) => e.action)).toEqual(["connect_link.created", "connect_link.opened", "connect_link.revoked"]);
    expect(audit[0]!.actorLabel).toMatch(/^API key “links”/);
  });
  it("pages a connection's links with a cursor (API and page alike): links made between pages, and links made in the same millisecond, are neither skipped nor repeated", async () => {
    const { createApiKey } = await import("@/lib/api-keys");
    const reader = (await createApiKey(teamId(), owner.actor, { name: "links pager", expiresIn: "never", scopes: ["connections:read"] })).key;
    const { id: connectionId } = await connections.createConnection(teamId(), owner.actor, { name: "Paged", baseUrl: "https://paged.example.test", authType: "BEARER", token: "t" } as ConnectionInput, null);
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await links.createConnectLink(teamId(), owner.actor, connectionId, { expiresInHours: 1 })).link.id);
    // Four links share one instant: the id breaks the tie.
    const instant = new Date(Date.now() - 60_000);
    await env.db.connectLink.updateMany({ where: { id: { in: made.slice(1, 5) } }, data: { createdAt: instant } });

    const seen: string[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10; page++) {
      const answer = await api.client(reader).GET("/connections/{id}/connect-links", { params: { path: { id: connectionId }, query: { limit: 3, ...(cursor ? { cursor } : {}) } } });
      expect(answer.response.status).toBe(200);
      expect(answer.data!.data.length).toBeLessThanOrEqual(3);
      seen.push(...answer.data!.data.map((link) => link.id));
      // A new link between pages goes before the first page: the pages after it do not shift.
      await links.createConnectLink(teamId(), owner.actor, connectionId, { expiresInHours: 1 });
      cursor = answer.data!.nextCursor ?? undefined;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(7);
    expect(new Set(seen)).toEqual(new Set(made));
    const bad = await api.client(reader).GET("/connections/{id}/connect-links", { params: { path: { id: connectionId }, query: { cursor: "not-a-cursor" } } });
    expect(bad.response.status).toBe(400);
    expect(bad.error).toMatchObject({ code: "invalid_cursor" });

    // The connection page's pages (20 a page) end on the same keys.
    const total = await env.db.connectLink.count({ where: { connectionId } });
    for (let i = total; i < 45; i++) await links.createConnectLink(teamId(), owner.actor, connectionId, { expiresInHours: 1 });
    const onPages: string[] = [];
    let older: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof links.connectLinksPage>> = await links.connectLinksPage(teamId(), connectionId, older);
      onPages.push(...page.links.map((link) => link.id));
      await links.createConnectLink(teamId(), owner.actor, connectionId, { expiresInHours: 1 });
      older = page.older;
    } while (older);
    expect(onPages).toHaveLength(45);
    expect(new Set(onPages).size).toBe(45);
  });
});
