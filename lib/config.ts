import { z } from "zod";

// Every environment variable Keyway reads, with its default. README.md lists
// the same set; keep the two in step.
const flag = z
  .enum(["1", "0", "true", "false", "yes", "no", ""])
  .optional()
  .transform((v) => v === "1" || v === "true" || v === "yes");

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z.string().min(1).optional(),
  DATABASE_POOL_SIZE: positiveInt(10),
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
  // Webhook receiver (lib/webhooks): events accepted per webhook per minute, across all instances.
  KEYWAY_WEBHOOK_MAX_PER_MINUTE: positiveInt(600),
  // Requests one API key may make to /api/v1 per minute, counted in Postgres across instances.
  KEYWAY_API_MAX_PER_MINUTE: positiveInt(600),
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
