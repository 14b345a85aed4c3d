import { z } from "zod";

// Every environment variable Keyway reads, with its default. README.md lists
// the same set; keep the two in step.
const flag = z
  .enum(["1", "0", "true", "false", "yes", "no", ""])
  .optional()
  .transform((v) => v === "1" || v === "true" || v === "yes");

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const positiveSeconds = (fallback: number) => z.coerce.number().positive().max(86_400).default(fallback);

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.string().min(1).optional(),
  DATABASE_POOL_SIZE: positiveInt(10),
  // Database time-outs (lib/db/pool.ts), in seconds: an unreachable or frozen database fails requests, never hangs them.
  KEYWAY_DB_CONNECT_TIMEOUT_SECONDS: positiveSeconds(5),
  KEYWAY_DB_ACQUIRE_TIMEOUT_SECONDS: positiveSeconds(5),
  KEYWAY_DB_STATEMENT_TIMEOUT_SECONDS: positiveSeconds(10),
  KEYWAY_PUBLIC_URL: z.url().default("http://localhost:3000"),
  KEYWAY_TRUST_PROXY: flag,
  KEYWAY_SIGNIN_MAX_PER_ACCOUNT: positiveInt(5),
  KEYWAY_SIGNIN_MAX_PER_IP: positiveInt(30),
  KEYWAY_SIGNIN_WINDOW_SECONDS: positiveInt(15 * 60),
  KEYWAY_SIGNUP_MAX_PER_IP: positiveInt(20),
  KEYWAY_OIDC_ISSUER: z.url().optional().or(z.literal("").transform(() => undefined)),
  KEYWAY_OIDC_CLIENT_ID: z.string().optional(),
  KEYWAY_OIDC_CLIENT_SECRET: z.string().optional(),
  KEYWAY_OIDC_NAME: z.string().default("Single sign-on"),
  KEYWAY_DISABLE_SIGNUP: flag,
  // Secrets at rest (lib/crypto): comma-separated "<key id>:<base64 of 32 bytes>", newest first.
  KEYWAY_ENCRYPTION_KEYS: z.string().optional(),
  // Outbound HTTP (lib/outbound): comma-separated CIDR ranges (or single addresses) that
  // the SSRF guard lets through although they are loopback/private (tests, internal APIs).
  KEYWAY_OUTBOUND_ALLOW: z.string().default(""),
  KEYWAY_OUTBOUND_TIMEOUT_MS: positiveInt(15_000),
  KEYWAY_OUTBOUND_MAX_BYTES: positiveInt(10 * 1024 * 1024),
  // The proxy (lib/proxy): how long an API key and a decrypted connection stay in process
  // memory at most; database change notifications (or a version check) evict them sooner.
  KEYWAY_PROXY_CACHE_MS: positiveInt(5_000),
  // The longest a proxied exchange (request, waiting, and the streamed response) may last; then it is cut off.
  KEYWAY_PROXY_MAX_SECONDS: positiveSeconds(300),
  // Operations (lib/ops/metrics.ts, lib/log.ts): the bearer token /metrics asks for (no token: no /metrics),
  // and the log's level and format (lib/log.ts reads these two itself, so it can report an invalid configuration).
  KEYWAY_METRICS_TOKEN: z.string().min(16).optional().or(z.literal("").transform(() => undefined)),
  KEYWAY_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent", ""]).optional(),
  KEYWAY_LOG_FORMAT: z.enum(["json", "pretty", ""]).optional(),
  // Webhook receiver (lib/webhooks): events accepted per webhook per minute, across all instances.
  KEYWAY_WEBHOOK_MAX_PER_MINUTE: positiveInt(600),
  // …and how long a sender has to deliver a whole body before the answer is 408 (a stalled body holds up to 1 MB).
  KEYWAY_WEBHOOK_BODY_TIMEOUT_MS: positiveInt(30_000),
  // Requests one API key may make to /api/v1 per minute, counted in Postgres across instances.
  KEYWAY_API_MAX_PER_MINUTE: positiveInt(600),
  // Email (lib/notifications/mail.ts): an SMTP URL for nodemailer, e.g. smtps://user:pass@mail.example.com:465.
  // Without it no email is sent: email channels cannot be created and invitations are links only.
  KEYWAY_SMTP_URL: z.url().optional().or(z.literal("").transform(() => undefined)),
  // The From of that email; without it, keyway@<the host of KEYWAY_PUBLIC_URL>.
  KEYWAY_MAIL_FROM: z.string().optional().or(z.literal("").transform(() => undefined)),
});

export type Config = z.infer<typeof schema>;

let cached: Config | undefined;

export function config(): Config {
  if (!cached) {
    const parsed = schema.safeParse(process.env);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
      throw new Error(`Invalid configuration: ${problems}`);
    }
    cached = parsed.data;
  }
  return cached;
}

export function publicUrl(): string {
  return config().KEYWAY_PUBLIC_URL.replace(/\/+$/, "");
}

export function oidcConfig() {
  const c = config();
  if (!c.KEYWAY_OIDC_ISSUER || !c.KEYWAY_OIDC_CLIENT_ID) return undefined;
  return {
    issuer: c.KEYWAY_OIDC_ISSUER,
    clientId: c.KEYWAY_OIDC_CLIENT_ID,
    clientSecret: c.KEYWAY_OIDC_CLIENT_SECRET,
    name: c.KEYWAY_OIDC_NAME,
  };
}
