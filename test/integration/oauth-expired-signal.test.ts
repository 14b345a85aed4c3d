import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import { clientCredentialsInput, startOAuthServer, type OAuthServer } from "../support/oauth-server";
import type { TestRequestInput } from "@/lib/connections/test-request";

// Refresh on more than 401 (issue 16, item 11): APIs that say "this token is
// no good" with a 403, a 400 with a code in a JSON body, or a 200 with an
// error in the body. Real oidc-provider issues the tokens (client
// credentials); its resource server answers in each of those styles. Each
// test makes the stored token one the API no longer accepts, then checks
// that test requests and the proxy refresh once and send again, only when
// the connection's rule says so, and only a body that can be sent twice.

process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let as: OAuthServer;
let connections: typeof import("@/lib/connections");
let testing: typeof import("@/lib/connections/test-request");
let tokens: typeof import("@/lib/oauth/tokens");
let targets: typeof import("@/lib/proxy/targets");
let route: typeof import("@/app/api/proxy/[connection]/[[...path]]/route");
let owner: Awaited<ReturnType<typeof makeUser>>;
let apiKey: string;

beforeAll(async () => {
  env = await useFreshAppDatabase("oauth_expired_signal");
  as = await startOAuthServer({ port: 0, redirectUris: [], logErrors: false });
  connections = await import("@/lib/connections");
  testing = await import("@/lib/connections/test-request");
  tokens = await import("@/lib/oauth/tokens");
  targets = await import("@/lib/proxy/targets");
  route = await import("@/app/api/proxy/[connection]/[[...path]]/route");
  owner = await makeUser("expired-signal-owner");
  const apiKeys = await import("@/lib/api-keys");
  apiKey = (await apiKeys.createApiKey(teamId(), owner.actor, { name: "expired signal service", expiresIn: "never" })).key;
});
afterAll(async () => {
  const { stopListening } = await import("@/lib/db/notifications");
  await stopListening();
  await targets?.clearProxyTargets();
  await as?.close();
  await env?.close();
});

const teamId = () => owner.personalTeam.id;
const unique = (name: string) => `${name} ${randomBytes(3).toString("hex")}`;

type Rule = { expiredStatuses?: string; expiredJsonPointer?: string; expiredJsonValue?: string; expiredBodyContains?: string };

/** A client-credentials connection whose API answers a bad token in `style`, with a token already fetched and then made stale. */
async function staleConnection(style: string, rule: Rule) {
  const { id } = await connections.createConnection(teamId(), owner.actor, { ...clientCredentialsInput(as, { name: unique(style), baseUrl: `${as.resourceUrl}/refuse-as/${style}` }), ...rule }, null);
  const first = await testing.runTestRequest(teamId(), owner.actor, id, { method: "GET", path: "/warm-up", headers: [], body: "" });
  expect(first.status, first.summary).toBe(200);
  // A token the API no longer accepts although it has not expired (revoked or rotated at the provider's side).
  await env.db.tokenSet.update({ where: { connectionId: id }, data: { tokens: tokens.sealTokens(id, { accessToken: `stale-${randomBytes(8).toString("hex")}` }) } });
  await targets.clearProxyTargets();
  as.resetCounts();
  return id;
}

const GET: TestRequestInput = { method: "GET", path: "/things", headers: [], body: "" };

async function proxied(connectionId: string, init: { method?: string; path?: string; body?: BodyInit; headers?: Record<string, string> } = {}) {
  const method = init.method ?? "GET";
  const request = new Request(`http://keyway.test/api/proxy/${connectionId}${init.path ?? "/things"}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...init.headers },
    ...(init.body !== undefined ? { body: init.body, duplex: "half" } : {}),
  } as RequestInit);
  const handler = method === "POST" ? route.POST : route.GET;
  const response = await handler(request, { params: Promise.resolve({ connection: connectionId }) });
  return { status: response.status, text: await response.text() };
}

describe("test requests", () => {
  it("a 403 is only the API's answer by default: no refresh, no retry", async () => {
    const id = await staleConnection("403", {});
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.status).toBe(403);
    expect(run.summary).not.toContain("Retried");
    expect(as.counts().token.client_credentials ?? 0).toBe(0);
  });

  it("with 401, 403 as the expired statuses, a 403 refreshes once and sends again", async () => {
    const id = await staleConnection("403", { expiredStatuses: "401, 403" });
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.status, run.summary).toBe(200);
    expect(run.summary).toContain("Retried once with a new access token after the API answered 403");
    expect(as.counts().token.client_credentials).toBe(1);
    expect(as.counts().resource).toEqual({ accepted: 1, refused: 1 });
  });

  it("a 200 with an error object at a JSON pointer is an expired token; the retried answer is a success", async () => {
    const id = await staleConnection("200-json", { expiredStatuses: "200", expiredJsonPointer: "/error/code", expiredJsonValue: "TOKEN_EXPIRED" });
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.ok).toBe(true);
    expect(JSON.parse(run.responseBody!)).toMatchObject({ ok: true });
    expect(run.summary).toContain("after the API answered 200 with /error/code = “TOKEN_EXPIRED”");
    expect(as.counts().token.client_credentials).toBe(1);
  });
});

describe("the proxy", () => {
  it("a GraphQL-style 400 with UNAUTHENTICATED at the pointer refreshes and retries; another 400 is passed on untouched", async () => {
    const id = await staleConnection("400-json", { expiredStatuses: "400", expiredJsonPointer: "/errors/0/extensions/code", expiredJsonValue: "UNAUTHENTICATED" });
    const answer = await proxied(id);
    expect(answer.status, answer.text).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ ok: true, path: "/resource/refuse-as/400-json/things" });
    expect(as.counts().token.client_credentials).toBe(1);

    // A 400 that says something else is the caller's business: passed on whole, no token request.
    const rule = { expiredStatuses: "400", expiredJsonPointer: "/errors/0/extensions/code", expiredJsonValue: "UNAUTHENTICATED" };
    const { id: plain } = await connections.createConnection(teamId(), owner.actor, { ...clientCredentialsInput(as, { name: unique("bad-request"), baseUrl: `${as.resourceUrl}/bad-request` }), ...rule }, null);
    await proxied(plain);
    as.resetCounts();
    const other = await proxied(plain);
    expect(other.status).toBe(400);
    expect(JSON.parse(other.text)).toEqual({ errors: [{ message: "Unknown field", extensions: { code: "BAD_USER_INPUT" } }] });
    expect(as.counts().token.client_credentials ?? 0).toBe(0);
  });

  it("a 200 with INVALID_SESSION_ID in the body: a small POST body (with Content-Length) is sent again whole", async () => {
    const id = await staleConnection("200-text", { expiredStatuses: "200", expiredBodyContains: "INVALID_SESSION_ID" });
    const payload = JSON.stringify({ name: "thing", size: 3 });
    const answer = await proxied(id, { method: "POST", body: payload, headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) } });
    expect(answer.status, answer.text).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ ok: true, method: "POST", body: payload });
    expect(as.counts().resource).toEqual({ accepted: 1, refused: 1 });
    expect(as.counts().token.client_credentials).toBe(1);
  });

  it("a streamed (chunked) body is not sent twice: the caller gets the API's answer, and the next request carries the new token", async () => {
    const id = await staleConnection("200-text", { expiredStatuses: "200", expiredBodyContains: "INVALID_SESSION_ID" });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("part one, "));
        controller.enqueue(new TextEncoder().encode("part two"));
        controller.close();
      },
    });
    const answer = await proxied(id, { method: "POST", body: stream });
    expect(answer.status).toBe(200);
    expect(answer.text).toContain("INVALID_SESSION_ID");
    expect(as.counts().resource).toEqual({ accepted: 0, refused: 1 });
    expect(as.counts().token.client_credentials).toBe(1);
    const next = await proxied(id, { method: "POST", body: "again", headers: { "content-length": "5" } });
    expect(JSON.parse(next.text)).toMatchObject({ ok: true, body: "again" });
    expect(as.counts().token.client_credentials).toBe(1);
  });

  it("30 concurrent requests that all get the expired answer cause one token request", async () => {
    const id = await staleConnection("403", { expiredStatuses: "403" });
    const answers = await Promise.all(Array.from({ length: 30 }, () => proxied(id)));
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
    expect(as.counts().token.client_credentials).toBe(1);
  });
});

describe("the shared schema", () => {
  it("refuses a success status without a body rule, a status that is none, and a malformed pointer, each on its field", async () => {
    const { connectionInputSchema } = await import("@/lib/connections/schemas");
    const base = clientCredentialsInput(as, { name: "x", baseUrl: as.resourceUrl });
    const issues = (rule: Rule) => {
      const result = connectionInputSchema.safeParse({ ...base, ...rule });
      return result.success ? {} : Object.fromEntries(result.error.issues.map((i) => [i.path.join("."), i.message]));
    };
    expect(issues({ expiredStatuses: "200" }).expiredStatuses).toMatch(/200 is a success status/);
    expect(issues({ expiredStatuses: "401, 4033" }).expiredStatuses).toMatch(/“4033” is not an HTTP status/);
    expect(issues({ expiredStatuses: "400", expiredJsonPointer: "error/code" }).expiredJsonPointer).toMatch(/starts with \//);
    expect(issues({ expiredStatuses: "400", expiredJsonValue: "x" }).expiredJsonPointer).toMatch(/Enter the JSON pointer/);
    expect(issues({ expiredStatuses: "401, 403", expiredJsonPointer: "/a~1b/0" })).toEqual({});
  });
});
