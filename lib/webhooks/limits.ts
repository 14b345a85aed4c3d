// The receiver's limits, in one place for the receiver, the page and the README.
// Free of server-only imports: the connection page's client components read them too.

/** The largest body stored: 1 MB. A larger one is refused with 413 and nothing is kept. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/** Events kept per connection: the newest this many… */
export const WEBHOOK_KEEP_COUNT = 1000;
/** …and none older than this many days. */
export const WEBHOOK_KEEP_DAYS = 30;

/** Events the connection page lists. */
export const WEBHOOK_LIST_SIZE = 50;

export const SIGNATURE_ENCODINGS = ["hex", "base64"] as const;
export type SignatureEncoding = (typeof SIGNATURE_ENCODINGS)[number];

export const DEFAULT_SIGNATURE_HEADER = "X-Signature-256";
export const DEFAULT_SIGNATURE_PREFIX = "sha256=";

/** How the sender signs: a custom HMAC of the body, or one of the well-known schemes (lib/webhooks/presets.ts). */
export const SIGNATURE_SCHEMES = ["custom", "standard", "github", "stripe", "slack"] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];

export const SIGNATURE_SCHEME_LABEL: Record<SignatureScheme, string> = {
  custom: "Custom HMAC-SHA256 of the body",
  standard: "Standard Webhooks (webhook-signature)",
  github: "GitHub (X-Hub-Signature-256)",
  stripe: "Stripe (Stripe-Signature)",
  slack: "Slack (X-Slack-Signature)",
};

/** The timestamped schemes, which refuse events signed outside the replay window. */
export const TIMESTAMPED_SCHEMES: readonly SignatureScheme[] = ["standard", "stripe", "slack"];
export const DEFAULT_TOLERANCE_SECONDS = 300;

/** The context a connection's webhook secret is sealed with (lib/crypto binds the envelope to it). */
export function webhookSecretContext(connectionId: string): string {
  return `webhook:${connectionId}`;
}
