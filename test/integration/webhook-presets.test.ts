import { createHmac, randomBytes } from "node:crypto";
import { sign as githubSign } from "@octokit/webhooks-methods";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { afterAll, beforeAll, expect, test } from "vitest";
import { fromAddress } from "../support/client-ip";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";

// The receiver's signature presets through its real route handler, each fed
// by the sender's own (or an independent) implementation: Standard Webhooks
// by the `standardwebhooks` package, GitHub by @octokit/webhooks-methods,
// Stripe by the `stripe` package's test header, Slack by its documented
// recipe. Timestamped schemes refuse events outside the replay window.

process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;

type Route = typeof import("@/app/api/hooks/[token]/route");

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let connections: typeof import("@/lib/connections");
let webhooks: typeof import("@/lib/webhooks");
let route: Route;
let owner: Awaited<ReturnType<typeof makeUser>>;

beforeAll(async () => {
  env = await useFreshAppDatabase("webhook_presets");
  connections = await import("@/lib/connections");
  webhooks = await import("@/lib/webhooks");
  route = await import("@/app/api/hooks/[token]/route");
  owner = await makeUser("presets-owner");
});
afterAll(async () => env?.close());

const teamId = () => owner.personalTeam.id;
const custom = { clearSecret: false, signatureHeader: "X-Signature-256", encoding: "hex" as const, prefix: "sha256=" };

async function signedConnection(scheme: "standard" | "github" | "stripe" | "slack", secret: string, toleranceSeconds = 300): Promise<{ id: string; token: string }> {
  const { id } = await connections.createConnection(teamId(), owner.actor, { name: `hooks ${scheme}`, baseUrl: "https://api.example.test", authType: "WEBHOOK" }, null);
  await webhooks.updateWebhookSigning(teamId(), owner.actor, id, { ...custom, secret, scheme, toleranceSeconds });
  const row = await env.db.connection.findUniqueOrThrow({ where: { id }, select: { webhookToken: true } });
  return { id, token: row.webhookToken };
}

async function post(token: string, body: string, headers: Record<string, string>): Promise<{ status: number; code?: string }> {
  const request = new Request(`http://keyway.test/api/hooks/${token}`, { method: "POST", body, headers: { "content-type": "application/json", ...fromAddress("203.0.113.7"), ...headers } });
  const response = await route.POST(request, { params: Promise.resolve({ token }) });
  const json = (await response.json()) as { error?: { code: string } };
  return { status: response.status, code: json.error?.code };
}

const body = JSON.stringify({ id: "evt_1", type: "invoice.paid", amount: 4200 });
const now = () => Math.floor(Date.now() / 1000);

test("Standard Webhooks: signed by the standardwebhooks package, accepted; tampered, missing or replayed, refused", async () => {
  const secret = `whsec_${randomBytes(24).toString("base64")}`;
  const { id, token } = await signedConnection("standard", secret, 120);
  const sender = new Webhook(secret);
  const headers = (msgId: string, at: Date, payload = body) => ({ "webhook-id": msgId, "webhook-timestamp": String(Math.floor(at.getTime() / 1000)), "webhook-signature": sender.sign(msgId, at, payload) });

  expect(await post(token, body, headers("msg_1", new Date()))).toEqual({ status: 202 });
  // While a sender rotates its secret it sends both signatures; one matching is enough.
  const rotated = headers("msg_2", new Date());
  expect(await post(token, body, { ...rotated, "webhook-signature": `v1,${randomBytes(32).toString("base64")} ${rotated["webhook-signature"]}` })).toEqual({ status: 202 });
  expect(await post(token, body.replace("4200", "1"), headers("msg_3", new Date()))).toEqual({ status: 401, code: "signature_mismatch" });
  expect(await post(token, body, { "webhook-id": "msg_4" })).toEqual({ status: 401, code: "signature_missing" });
  // Correctly signed, but 10 minutes ago: outside the 120 s window.
  expect(await post(token, body, headers("msg_5", new Date(Date.now() - 600_000)))).toEqual({ status: 401, code: "signature_expired" });
  expect(await post(token, body, headers("msg_6", new Date(Date.now() + 600_000)))).toEqual({ status: 401, code: "signature_expired" });
  expect(await env.db.webhookEvent.count({ where: { connectionId: id, signatureVerified: true } })).toBe(2);
});

test("GitHub: signed by @octokit/webhooks-methods, accepted; another secret's signature refused", async () => {
  const secret = "github-secret-0123456789";
  const { token } = await signedConnection("github", secret);
  expect(await post(token, body, { "x-hub-signature-256": await githubSign(secret, body), "x-github-event": "push" })).toEqual({ status: 202 });
  expect(await post(token, body, { "x-hub-signature-256": await githubSign("another-secret", body) })).toEqual({ status: 401, code: "signature_mismatch" });
  expect(await post(token, body, {})).toEqual({ status: 401, code: "signature_missing" });
});

test("Stripe: a header made by the stripe package is accepted; an old timestamp is refused as a replay", async () => {
  const secret = `whsec_${randomBytes(16).toString("hex")}`;
  const { token } = await signedConnection("stripe", secret, 300);
  const stripe = new Stripe("sk_test_keyway");
  const header = (timestamp: number, payload = body) => stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
  const fresh = header(now());
  expect(await post(token, body, { "stripe-signature": fresh })).toEqual({ status: 202 });
  // The stripe package agrees with what Keyway accepted.
  expect(stripe.webhooks.constructEvent(body, fresh, secret)).toMatchObject({ id: "evt_1" });
  expect(await post(token, body, { "stripe-signature": header(now() - 3600) })).toEqual({ status: 401, code: "signature_expired" });
  expect(await post(token, body, { "stripe-signature": header(now(), "{}") })).toEqual({ status: 401, code: "signature_mismatch" });
  expect(await post(token, body, { "stripe-signature": "v1=abc" })).toEqual({ status: 401, code: "signature_missing" });
});

test("Slack: the documented v0 recipe is accepted; a stale timestamp or another body is refused", async () => {
  const secret = "8f742231b10e8888abcd99yyyzzz85a5";
  const { token } = await signedConnection("slack", secret, 300);
  // https://api.slack.com/authentication/verifying-requests-from-slack
  const sign = (timestamp: number, payload = body) => ({ "x-slack-request-timestamp": String(timestamp), "x-slack-signature": `v0=${createHmac("sha256", secret).update(`v0:${timestamp}:${payload}`).digest("hex")}` });
  expect(await post(token, body, sign(now()))).toEqual({ status: 202 });
  expect(await post(token, body, sign(now() - 301))).toEqual({ status: 401, code: "signature_expired" });
  expect(await post(token, "token=x", sign(now()))).toEqual({ status: 401, code: "signature_mismatch" });
});

test("the form's schema: a Standard Webhooks secret must be whsec_…, the window a sane number of seconds, the scheme one of the presets", async () => {
  const { webhookSigningSchema } = await import("@/lib/webhooks/schemas");
  const base = { signatureHeader: "X-Signature-256", encoding: "hex", prefix: "sha256=" };
  const issues = (input: Record<string, unknown>) => {
    const parsed = webhookSigningSchema.safeParse({ ...base, ...input });
    return parsed.success ? parsed.data : Object.fromEntries(parsed.error.issues.map((i) => [i.path.join("."), i.message]));
  };
  expect(issues({ scheme: "standard", secret: "plain" })).toEqual({ secret: "A Standard Webhooks secret starts with whsec_ followed by base64, as the sender shows it." });
  expect(issues({ scheme: "stripe", toleranceSeconds: "5" })).toEqual({ toleranceSeconds: "Allow at least 10 seconds: clocks differ a little." });
  expect(issues({ scheme: "stripe", toleranceSeconds: "ten" })).toHaveProperty("toleranceSeconds");
  expect(issues({ scheme: "paypal" })).toHaveProperty("scheme");
  expect(issues({})).toMatchObject({ scheme: "custom", toleranceSeconds: 300 });
});
