import { createHmac, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { fromAddress } from "../support/client-ip";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";

// The webhook receiver through its real route handler (app/api/hooks/[token]/route.ts)
// against Postgres: signatures, size limits, unknown and non-None tokens, 200
// concurrent posts, the per-webhook rate limit and retention.

process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
delete process.env.KEYWAY_WEBHOOK_MAX_PER_MINUTE;

type Route = typeof import("@/app/api/hooks/[token]/route");

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let connections: typeof import("@/lib/connections");
let webhooks: typeof import("@/lib/webhooks");
let route: Route;
let owner: Awaited<ReturnType<typeof makeUser>>;
let stranger: Awaited<ReturnType<typeof makeUser>>;

beforeAll(async () => {
  env = await useFreshAppDatabase("webhooks");
  connections = await import("@/lib/connections");
  webhooks = await import("@/lib/webhooks");
  route = await import("@/app/api/hooks/[token]/route");
  owner = await makeUser("hooks-owner");
  stranger = await makeUser("hooks-stranger");
});
afterAll(async () => env?.close());

const teamId = () => owner.personalTeam.id;
const MB = 1024 * 1024;

async function noneConnection(name: string): Promise<{ id: string; token: string }> {
  const { id } = await connections.createConnection(teamId(), owner.actor, { name, baseUrl: "https://api.example.test", authType: "WEBHOOK" }, null);
  const row = await env.db.connection.findUniqueOrThrow({ where: { id }, select: { webhookToken: true } });
  return { id, token: row.webhookToken };
}

function post(token: string, body: BodyInit | null, headers: Record<string, string> = {}, handler: Route["POST"] = route.POST): Promise<Response> {
  const request = new Request(`http://keyway.test/api/hooks/${token}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...fromAddress("203.0.113.7"), ...headers },
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  return handler(request, { params: Promise.resolve({ token }) });
}

const countEvents = (connectionId: string) => env.db.webhookEvent.count({ where: { connectionId } });

function hmac(secret: string, body: string, encoding: "hex" | "base64"): string {
  return createHmac("sha256", secret).update(body).digest(encoding);
}

/** A body sent in chunks with no Content-Length, the way a chunked upload arrives. */
function chunkedStream(total: number, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) return controller.close();
      const size = Math.min(chunk, total - sent);
      sent += size;
      controller.enqueue(new Uint8Array(size).fill(0x61));
    },
  });
}

describe("receiving", () => {
  it("stores an event with its headers (credentials redacted), body, type, size and source, and answers 202", async () => {
    const { id, token } = await noneConnection("plain");
    const response = await post(token, JSON.stringify({ hello: "world" }), { authorization: "Bearer sender-token", cookie: "sid=abc", "x-github-event": "push" });
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { id: string };
    const event = await env.db.webhookEvent.findUniqueOrThrow({ where: { id: answer.id } });
    expect(event.connectionId).toBe(id);
    expect(Buffer.from(event.body).toString("utf8")).toBe('{"hello":"world"}');
    expect(event.size).toBe(17);
    expect(event.contentType).toBe("application/json");
    expect(event.sourceIp).toBe("203.0.113.7");
    expect(event.signatureVerified).toBeNull();
    const headers = event.headers as Record<string, string>;
    expect(headers.authorization).toBe("[redacted]");
    expect(headers.cookie).toBe("[redacted]");
    expect(headers["x-github-event"]).toBe("push");
    expect(JSON.stringify(event)).not.toContain("sender-token");

    const detail = await webhooks.findWebhookEvent(teamId(), id, answer.id);
    expect(detail?.body).toEqual({ kind: "json", text: '{\n  "hello": "world"\n}', truncated: false });
    // Another team's members cannot read it.
    expect(await webhooks.findWebhookEvent(stranger.personalTeam.id, id, answer.id)).toBeNull();
    expect(await webhooks.listWebhookEvents(stranger.personalTeam.id, id)).toBeNull();
    const listed = await webhooks.listWebhookEvents(teamId(), id);
    expect(listed?.events.map((e) => e.id)).toEqual([answer.id]);
    expect(listed?.kept).toBe(1);
  });

  it("answers 404 for an unknown token and for the token of a connection that is not a webhook receiver", async () => {
    const unknown = await post(randomBytes(24).toString("base64url"), "{}");
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("webhook_not_found");

    const { id } = await connections.createConnection(teamId(), owner.actor, { name: "basic", baseUrl: "https://api.example.test", authType: "BASIC", username: "u", password: "p-secret-1234" }, null);
    const { webhookToken } = await env.db.connection.findUniqueOrThrow({ where: { id }, select: { webhookToken: true } });
    const basic = await post(webhookToken, "{}");
    expect(basic.status).toBe(404);
    expect(((await basic.json()) as { error: { code: string } }).error.code).toBe("webhook_not_found");
    expect(await countEvents(id)).toBe(0);
  });

  it("answers 405 with Allow: POST to other methods", async () => {
    const { token } = await noneConnection("methods");
    const response = await route.GET();
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST");
    expect((await route.PUT()).status).toBe(405);
    expect(token).toBeTruthy();
  });

  it("refuses a body over 1 MB with 413 and stores nothing: by its Content-Length, and counted while reading a chunked one", async () => {
    const { id, token } = await noneConnection("big");
    // Declared too large: refused before a byte is read.
    const declared = await post(token, "{}", { "content-length": String(MB + 1) });
    expect(declared.status).toBe(413);
    // A real body of 1 MB + 1 with its length.
    const big = await post(token, new Uint8Array(MB + 1).fill(0x62), { "content-length": String(MB + 1) });
    expect(big.status).toBe(413);
    // Chunked, no Content-Length: counted while reading, refused once over.
    let pulled = 0;
    const stream = chunkedStream(3 * MB);
    const counting = stream.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          pulled += chunk.byteLength;
          controller.enqueue(chunk);
        },
      }),
    );
    const chunked = await post(token, counting);
    expect(chunked.status).toBe(413);
    expect(((await chunked.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
    // Reading stopped soon after the limit, not at the end of the 3 MB.
    expect(pulled).toBeLessThan(2 * MB);
    expect(await countEvents(id)).toBe(0);

    // Exactly 1 MB, chunked, is accepted.
    const exact = await post(token, chunkedStream(MB));
    expect(exact.status).toBe(202);
    expect(await countEvents(id)).toBe(1);
  });
});

describe("signatures", () => {
  const SECRET = "whsec-0123456789-abcdef";

  it("stores a correctly signed event as verified, refuses a wrong or missing signature (401, nothing stored, refusal counted)", async () => {
    const { id, token } = await noneConnection("signed");
    await webhooks.updateWebhookSigning(teamId(), owner.actor, id, { secret: SECRET, clearSecret: false, signatureHeader: "X-Hub-Signature-256", encoding: "hex", prefix: "sha256=" });
    const row = await env.db.connection.findUniqueOrThrow({ where: { id } });
    expect(row.webhookSecret).not.toContain(SECRET);
    expect(row.webhookSecretLastFour).toBe("cdef");
    const audit = await env.db.auditEvent.findFirstOrThrow({ where: { objectId: id, action: "connection.webhook_signing_updated" } });
    expect(audit.data).toEqual({ scheme: "custom", signatureHeader: "X-Hub-Signature-256", encoding: "hex", prefix: "sha256=", toleranceSeconds: 300, secret: "set" });
    expect(JSON.stringify({ ...audit, id: String(audit.id) })).not.toContain(SECRET);

    const body = JSON.stringify({ action: "opened", number: 7 });
    const good = await post(token, body, { "x-hub-signature-256": `sha256=${hmac(SECRET, body, "hex")}` });
    expect(good.status).toBe(202);
    const { id: eventId } = (await good.json()) as { id: string };
    expect((await env.db.webhookEvent.findUniqueOrThrow({ where: { id: eventId } })).signatureVerified).toBe(true);

    const before = await env.db.connection.findUniqueOrThrow({ where: { id } });
    const wrong = await post(token, body, { "x-hub-signature-256": `sha256=${hmac("another-secret", body, "hex")}` });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe("signature_mismatch");
    // The body changed after signing.
    const tampered = await post(token, body.replace("7", "8"), { "x-hub-signature-256": `sha256=${hmac(SECRET, body, "hex")}` });
    expect(tampered.status).toBe(401);
    const missing = await post(token, body);
    expect(missing.status).toBe(401);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("signature_missing");
    // A value of the wrong length or form is refused without an exception.
    expect((await post(token, body, { "x-hub-signature-256": "sha256=abc" })).status).toBe(401);

    expect(await countEvents(id)).toBe(1);
    const after = await env.db.connection.findUniqueOrThrow({ where: { id } });
    expect(after.webhookRefusedCount).toBe(before.webhookRefusedCount + 4);
    expect(after.webhookLastRefusedAt).not.toBeNull();
    // Counting a refusal is not an edit of the connection.
    expect(after.updatedAt.getTime()).toBe(before.updatedAt.getTime());
    expect((await webhooks.listWebhookEvents(teamId(), id))?.refusedCount).toBe(4);
  });

  it("checks base64 signatures without a prefix, and stops checking once the secret is removed", async () => {
    const { id, token } = await noneConnection("signed-b64");
    await webhooks.updateWebhookSigning(teamId(), owner.actor, id, { secret: SECRET, clearSecret: false, signatureHeader: "X-Signature", encoding: "base64", prefix: "" });
    const body = "payload=1";
    expect((await post(token, body, { "x-signature": hmac(SECRET, body, "base64") })).status).toBe(202);
    expect((await post(token, body, { "x-signature": hmac(SECRET, body, "hex") })).status).toBe(401);

    await webhooks.updateWebhookSigning(teamId(), owner.actor, id, { secret: "", clearSecret: true, signatureHeader: "X-Signature", encoding: "base64", prefix: "" });
    const row = await env.db.connection.findUniqueOrThrow({ where: { id } });
    expect(row.webhookSecret).toBeNull();
    expect(row.webhookSecretLastFour).toBeNull();
    const unsigned = await post(token, body);
    expect(unsigned.status).toBe(202);
    const { id: eventId } = (await unsigned.json()) as { id: string };
    expect((await env.db.webhookEvent.findUniqueOrThrow({ where: { id: eventId } })).signatureVerified).toBeNull();
    const audits = await env.db.auditEvent.findMany({ where: { objectId: id, action: "connection.webhook_signing_updated" }, orderBy: { id: "asc" } });
    expect(audits.map((a) => (a.data as { secret: string }).secret)).toEqual(["set", "cleared"]);
  });
});

describe("under load", () => {
  it("stores 200 concurrent posts, each exactly once", async () => {
    const { id, token } = await noneConnection("burst");
    const responses = await Promise.all(Array.from({ length: 200 }, (_, n) => post(token, JSON.stringify({ n }))));
    expect(responses.map((r) => r.status)).toEqual(Array(200).fill(202));
    const ids = await Promise.all(responses.map(async (r) => ((await r.json()) as { id: string }).id));
    expect(new Set(ids).size).toBe(200);
    const rows = await env.db.webhookEvent.findMany({ where: { connectionId: id }, select: { body: true } });
    expect(rows).toHaveLength(200);
    const bodies = rows.map((r) => Buffer.from(r.body).toString("utf8")).sort();
    expect(bodies).toEqual(Array.from({ length: 200 }, (_, n) => JSON.stringify({ n })).sort());
  });

  it("keeps the newest 1,000 events and none older than 30 days", async () => {
    const { id, token } = await noneConnection("retention");
    const now = Date.now();
    // 1,100 events of the last days, oldest first, and 5 of two months ago.
    const seeded = Array.from({ length: 1100 }, (_, i) => ({
      connectionId: id,
      receivedAt: new Date(now - (1100 - i) * 60_000),
      body: new Uint8Array(Buffer.from(`seed-${i}`)),
      size: 6,
      sourceIp: "198.51.100.1",
    }));
    const ancient = Array.from({ length: 5 }, (_, i) => ({ connectionId: id, receivedAt: new Date(now - (60 + i) * 86_400_000), body: new Uint8Array(Buffer.from(`old-${i}`)), size: 5, sourceIp: "198.51.100.1" }));
    await env.db.webhookEvent.createMany({ data: [...seeded, ...ancient] });
    expect(await countEvents(id)).toBe(1105);

    // PRUNE_EVERY posts make at least one prune run, whatever this process's counter says.
    for (let i = 0; i < webhooks.PRUNE_EVERY; i++) expect((await post(token, JSON.stringify({ live: i }))).status).toBe(202);
    const afterPosts = await countEvents(id);
    expect(afterPosts).toBeGreaterThanOrEqual(1000);
    expect(afterPosts).toBeLessThan(1000 + webhooks.PRUNE_EVERY);
    expect(await env.db.webhookEvent.count({ where: { connectionId: id, receivedAt: { lt: new Date(now - 30 * 86_400_000) } } })).toBe(0);

    // A burst on top comes back within the slack too.
    const burst = await Promise.all(Array.from({ length: 60 }, (_, n) => post(token, JSON.stringify({ burst: n }))));
    expect(burst.every((r) => r.status === 202)).toBe(true);
    expect(await countEvents(id)).toBeLessThan(1000 + webhooks.PRUNE_EVERY);

    // A prune leaves exactly the newest 1,000: every live event, and the seeds that are newest.
    await webhooks.pruneEvents(id);
    expect(await countEvents(id)).toBe(1000);
    const kept = await env.db.webhookEvent.findMany({ where: { connectionId: id }, select: { body: true } });
    const texts = new Set(kept.map((k) => Buffer.from(k.body).toString("utf8")));
    for (let i = 0; i < webhooks.PRUNE_EVERY; i++) expect(texts.has(JSON.stringify({ live: i }))).toBe(true);
    for (let n = 0; n < 60; n++) expect(texts.has(JSON.stringify({ burst: n }))).toBe(true);
    expect(texts.has("seed-1099")).toBe(true);
    expect(texts.has("seed-0")).toBe(false);
    expect(texts.has("old-0")).toBe(false);
  });
});

describe("retention by age", () => {
  it("deletes events older than 30 days, to the hour, however few there are", async () => {
    const { id } = await noneConnection("aged");
    const now = Date.now();
    const hour = 3_600_000;
    const at = (ms: number, label: string) => ({ connectionId: id, receivedAt: new Date(now - ms), body: new Uint8Array(Buffer.from(label)), size: label.length, sourceIp: "198.51.100.2" });
    await env.db.webhookEvent.createMany({ data: [at(hour, "recent"), at(30 * 24 * hour - hour, "29d23h"), at(30 * 24 * hour + hour, "30d1h"), at(90 * 24 * hour, "90d")] });
    expect(await webhooks.pruneEvents(id)).toBe(2);
    const kept = await env.db.webhookEvent.findMany({ where: { connectionId: id }, select: { body: true }, orderBy: { receivedAt: "desc" } });
    expect(kept.map((k) => Buffer.from(k.body).toString("utf8"))).toEqual(["recent", "29d23h"]);
  });
});

describe("rate limit", () => {
  it("answers 429 with Retry-After once a webhook's events per minute are used up, and stores nothing more", async () => {
    // A fresh copy of the modules reads the lower limit from the environment.
    process.env.KEYWAY_WEBHOOK_MAX_PER_MINUTE = "3";
    vi.resetModules();
    try {
      const limited = await import("@/app/api/hooks/[token]/route");
      const { id, token } = await noneConnection("limited");
      const other = await noneConnection("not-limited");
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await post(token, JSON.stringify({ i }), {}, limited.POST)).status);
      expect(statuses).toEqual([202, 202, 202, 429, 429]);
      const refused = await post(token, "{}", {}, limited.POST);
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(60);
      expect(await countEvents(id)).toBe(3);
      // The limit is per webhook.
      expect((await post(other.token, "{}", {}, limited.POST)).status).toBe(202);
      // Counted in Postgres, where every instance sees it.
      const row = await env.db.rateLimit.findUnique({ where: { key: `webhook:${id}` } });
      expect(row?.points).toBeGreaterThanOrEqual(6);
    } finally {
      delete process.env.KEYWAY_WEBHOOK_MAX_PER_MINUTE;
    }
  });
});

describe("key rotation", () => {
  it("re-encrypts a webhook signing secret with the newest key", async () => {
    const { id } = await noneConnection("rotated hook");
    const secret = "rotate-me-webhook-secret";
    await webhooks.updateWebhookSigning(teamId(), owner.actor, id, { secret, clearSecret: false, signatureHeader: "X-Signature-256", encoding: "hex", prefix: "sha256=" });
    const crypto = await import("@/lib/crypto");
    const { rotateAllSecrets } = await import("@/lib/connections/rotate");
    const oldKey = process.env.KEYWAY_ENCRYPTION_KEYS!;
    const newKey = `k2:${randomBytes(32).toString("base64")}`;
    const counts = await rotateAllSecrets(crypto.parseKeyring(`${newKey},${oldKey}`));
    expect(counts["Webhook signing secrets"]!.rotated).toBeGreaterThanOrEqual(1);
    const row = await env.db.connection.findUniqueOrThrow({ where: { id }, select: { webhookSecret: true } });
    expect(crypto.keyIdOf(row.webhookSecret!)).toBe("k2");
    expect(crypto.decryptSecret(row.webhookSecret!, webhooks.webhookSecretContext(id), crypto.parseKeyring(newKey))).toBe(secret);
  });
});
