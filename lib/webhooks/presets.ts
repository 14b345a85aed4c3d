import { createHmac, timingSafeEqual } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { SIGNATURE_SCHEMES, type SignatureScheme } from "./limits";
import { verifySignature, type SignatureSettings } from "./signature";

// How well-known senders sign their webhooks, besides the custom HMAC of the
// body (lib/webhooks/signature.ts). The timestamped ones (Standard Webhooks,
// Stripe, Slack) sign the time too, and an event whose time is further than
// the connection's tolerance from now is refused as a possible replay.
//
// - Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature
//   "v1,<base64 HMAC-SHA256 of id.timestamp.body>" (several, space-separated,
//   while a secret rotates); the secret is "whsec_<base64>". Signed with the
//   `standardwebhooks` package and compared here, so the tolerance is ours.
// - GitHub: X-Hub-Signature-256 "sha256=<hex HMAC of the body>".
// - Stripe: Stripe-Signature "t=<unix>,v1=<hex HMAC of t.body>[,v1=…]".
// - Slack: X-Slack-Request-Timestamp and X-Slack-Signature "v0=<hex HMAC of v0:ts:body>".

export { SIGNATURE_SCHEMES, type SignatureScheme };

export type PresetVerdict = { ok: true } | { ok: false; code: "signature_missing" | "signature_mismatch" | "signature_expired"; message: string };

const missing = (what: string): PresetVerdict => ({ ok: false, code: "signature_missing", message: `This webhook needs ${what}; nothing was stored.` });
const mismatch = (what: string): PresetVerdict => ({ ok: false, code: "signature_mismatch", message: `${what} does not match the body signed with this webhook's secret; nothing was stored.` });

function equalText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

function hmacHex(secret: string, ...parts: (string | Uint8Array)[]): string {
  const hmac = createHmac("sha256", secret);
  for (const part of parts) hmac.update(part);
  return hmac.digest("hex");
}

/** Unix seconds, or null when the header is not a plain number. */
function unixSeconds(value: string | null | undefined): number | null {
  if (!value || !/^\d{1,12}$/.test(value.trim())) return null;
  return Number(value.trim());
}

function outsideWindow(timestamp: number, toleranceSeconds: number, now: number): PresetVerdict | null {
  const age = Math.floor(now / 1000) - timestamp;
  if (Math.abs(age) <= toleranceSeconds) return null;
  return {
    ok: false,
    code: "signature_expired",
    message: `The signed timestamp is ${Math.abs(age)} s ${age > 0 ? "old" : "in the future"}, outside this webhook's ${toleranceSeconds} s window (a replayed or delayed event); nothing was stored.`,
  };
}

export type PresetInput = {
  scheme: SignatureScheme;
  secret: string;
  body: Uint8Array;
  headers: Headers;
  toleranceSeconds: number;
  /** For the custom scheme. */
  custom: SignatureSettings & { header: string };
  now?: number;
};

export function verifyPreset(input: PresetInput): PresetVerdict {
  const { secret, body, headers, toleranceSeconds } = input;
  const now = input.now ?? Date.now();
  switch (input.scheme) {
    case "custom": {
      const presented = headers.get(input.custom.header);
      if (!presented) return missing(`an HMAC-SHA256 signature in the ${input.custom.header} header`);
      return verifySignature(secret, body, presented, input.custom) ? { ok: true } : mismatch(`The ${input.custom.header} header`);
    }
    case "github": {
      const presented = headers.get("x-hub-signature-256");
      if (!presented) return missing("GitHub's X-Hub-Signature-256 header");
      return verifySignature(secret, body, presented, { encoding: "hex", prefix: "sha256=" }) ? { ok: true } : mismatch("The X-Hub-Signature-256 header");
    }
    case "standard": {
      const id = headers.get("webhook-id");
      const timestamp = unixSeconds(headers.get("webhook-timestamp"));
      const signatures = headers.get("webhook-signature");
      if (!id || timestamp === null || !signatures) return missing("the webhook-id, webhook-timestamp and webhook-signature headers (Standard Webhooks)");
      const late = outsideWindow(timestamp, toleranceSeconds, now);
      if (late) return late;
      let expected: string;
      try {
        expected = new Webhook(secret).sign(id, new Date(timestamp * 1000), Buffer.from(body));
      } catch {
        return mismatch("The webhook-signature header");
      }
      const matches = signatures.split(" ").some((candidate) => equalText(candidate.trim(), expected));
      return matches ? { ok: true } : mismatch("The webhook-signature header");
    }
    case "stripe": {
      const header = headers.get("stripe-signature");
      if (!header) return missing("Stripe's Stripe-Signature header");
      const pairs = header.split(",").map((part) => part.trim().split("=", 2) as [string, string | undefined]);
      const timestamp = unixSeconds(pairs.find(([key]) => key === "t")?.[1]);
      const signatures = pairs.filter(([key, value]) => key === "v1" && value).map(([, value]) => value!);
      if (timestamp === null || signatures.length === 0) return missing("a Stripe-Signature header with t= and v1=");
      const late = outsideWindow(timestamp, toleranceSeconds, now);
      if (late) return late;
      const expected = hmacHex(secret, `${timestamp}.`, body);
      return signatures.some((candidate) => equalText(candidate, expected)) ? { ok: true } : mismatch("The Stripe-Signature header");
    }
    case "slack": {
      const timestamp = unixSeconds(headers.get("x-slack-request-timestamp"));
      const presented = headers.get("x-slack-signature");
      if (timestamp === null || !presented) return missing("Slack's X-Slack-Signature and X-Slack-Request-Timestamp headers");
      const late = outsideWindow(timestamp, toleranceSeconds, now);
      if (late) return late;
      return equalText(presented.trim(), `v0=${hmacHex(secret, `v0:${timestamp}:`, body)}`) ? { ok: true } : mismatch("The X-Slack-Signature header");
    }
  }
}
