import { z } from "zod";
import { googleServiceAccountAuthSchema, jwtBearerAuthSchema, oauthClientCredentialsAuthSchema, oauthCodeAuthSchema } from "../oauth/schemas";
import { text } from "../schemas/text";
import { awsSigV4AuthSchema, bearerAuthSchema, digestAuthSchema, oauth1AuthSchema } from "./signed-auth-schemas";

// What a user may type for a connection of each authentication type
// (SPEC.md, "Connections"; the OAuth2 types' schemas are in lib/oauth/schemas.ts). One schema per type; the form and the server parse
// with the same ones. Secret values follow one rule everywhere: on edit, an
// empty secret field means "keep the saved value" (the saved value never comes
// back to the browser), so these schemas accept an empty secret and the code
// that merges with the saved record decides whether one is required.

export const AUTH_TYPES = ["NONE", "BASIC", "BEARER", "HEADER", "QUERY", "CUSTOM", "DIGEST", "AWS_SIGV4", "OAUTH1", "OAUTH2_CODE", "OAUTH2_CLIENT_CREDENTIALS", "GOOGLE_SERVICE_ACCOUNT", "OAUTH2_JWT_BEARER", "WEBHOOK"] as const;
export type AuthType = (typeof AUTH_TYPES)[number];
/** The types whose bearer token Keyway obtains and refreshes at a token endpoint (lib/oauth/tokens.ts). */
export type OAuthAuthType = "OAUTH2_CODE" | "OAUTH2_CLIENT_CREDENTIALS" | ServiceAccountAuthType;
/** The JWT bearer grant (RFC 7523 2.1): a service account's signed assertion, no user and no client secret. */
export type ServiceAccountAuthType = "GOOGLE_SERVICE_ACCOUNT" | "OAUTH2_JWT_BEARER";

export const AUTH_TYPE_LABEL: Record<AuthType, string> = {
  NONE: "None",
  BASIC: "Basic",
  BEARER: "Bearer token",
  HEADER: "Header auth",
  QUERY: "Query params",
  CUSTOM: "Custom",
  DIGEST: "Digest",
  AWS_SIGV4: "AWS Signature V4",
  OAUTH1: "OAuth 1.0a",
  OAUTH2_CODE: "OAuth2 (authorization code)",
  OAUTH2_CLIENT_CREDENTIALS: "OAuth2 (client credentials)",
  GOOGLE_SERVICE_ACCOUNT: "Google service account",
  OAUTH2_JWT_BEARER: "JWT bearer (service account)",
  WEBHOOK: "Webhook receiver",
};

/** A webhook receiver has no API behind it: no base URL, no proxy, no test request, no health check. */
export const RECEIVER_HAS_NO_API = "This connection is a webhook receiver: it has no API to call, so it cannot be proxied or tested. Apps post events to its webhook URL instead.";

export function isReceiverType(type: string): type is "WEBHOOK" {
  return type === "WEBHOOK";
}

export function isOAuthType(type: string): type is OAuthAuthType {
  return type === "OAUTH2_CODE" || type === "OAUTH2_CLIENT_CREDENTIALS" || isServiceAccountType(type);
}

export function isServiceAccountType(type: string): type is ServiceAccountAuthType {
  return type === "GOOGLE_SERVICE_ACCOUNT" || type === "OAUTH2_JWT_BEARER";
}

/**
 * Whether "Save and test" can prove these settings: not a receiver (no API),
 * not the authorization code grant (its token needs the user at the provider,
 * which Connect does after saving). Client credentials and service accounts
 * get a token for the unsaved settings, used for this request only.
 */
export function canSaveAndTest(authType: string): boolean {
  return !isReceiverType(authType) && authType !== "OAUTH2_CODE";
}

// RFC 9110 5.1: a field name is a token.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 5.5: visible ASCII, space, tab and obs-text; never CR, LF or NUL,
// which would let a value smuggle in a header or a request of its own.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * Headers the HTTP client owns: they describe the message or the connection
 * itself, and a user-supplied one would break framing or route the request
 * elsewhere (the fetch standard's forbidden request headers, less the ones
 * an API may legitimately want, such as Cookie or Origin).
 */
export const FORBIDDEN_HEADER_NAMES = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "expect",
  "proxy-authorization",
  "proxy-connection",
  "http2-settings",
]);

export const headerNameSchema = text()
  .trim()
  .min(1, "Enter a header name.")
  .max(256, "Use at most 256 characters.")
  .regex(HEADER_NAME, "A header name may contain only letters, digits and !#$%&'*+-.^_`|~ (no spaces or colons).")
  .refine((name) => !FORBIDDEN_HEADER_NAMES.has(name.toLowerCase()), {
    message: "Keyway sets this header itself; it cannot be part of a connection.",
  });

export const headerValueSchema = text()
  .max(8192, "Use at most 8192 characters.")
  .regex(HEADER_VALUE, "A header value cannot contain line breaks or control characters.")
  .refine((value) => value === value.trim(), { message: "Remove the spaces at the start or end of the value." });

export const paramNameSchema = text().trim().min(1, "Enter a parameter name.").max(256, "Use at most 256 characters.");
export const paramValueSchema = text().max(8192, "Use at most 8192 characters.");

/** An entry's id ties an edited secret to the value saved for it; new entries have none yet. */
const entryId = text().regex(/^[A-Za-z0-9_-]{1,40}$/).optional();

export const headerEntrySchema = z.object({ id: entryId, name: headerNameSchema, value: headerValueSchema, secret: z.boolean() });
export const paramEntrySchema = z.object({ id: entryId, name: paramNameSchema, value: paramValueSchema, secret: z.boolean() });
export type HeaderEntryInput = z.infer<typeof headerEntrySchema>;
export type ParamEntryInput = z.infer<typeof paramEntrySchema>;

// RFC 7617 2: the user-id cannot contain a colon; both parts exclude control characters.
const basicUsernameSchema = text()
  .max(256, "Use at most 256 characters.")
  .refine((value) => !value.includes(":"), { message: "A Basic username cannot contain a colon." })
  .refine((value) => !/[\x00-\x1f\x7f]/.test(value), { message: "The username cannot contain control characters." });
const basicPasswordSchema = text()
  .max(4096, "Use at most 4096 characters.")
  .refine((value) => !/[\x00-\x1f\x7f]/.test(value), { message: "The password cannot contain control characters." });

// Header names are case-insensitive, so "X-Key" and "x-key" would be one header sent twice.
function noDuplicateHeaderNames(entries: { name: string }[], ctx: z.RefinementCtx) {
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const key = entry.name.toLowerCase();
    if (seen.has(key)) ctx.addIssue({ code: "custom", path: [index, "name"], message: `“${entry.name}” is already set above.` });
    seen.add(key);
  });
}

const headerListSchema = z
  .array(headerEntrySchema)
  .max(50, "Use at most 50 headers.")
  .superRefine(noDuplicateHeaderNames);
// Query parameters may legitimately repeat (?tag=a&tag=b).
const paramListSchema = z.array(paramEntrySchema).max(50, "Use at most 50 parameters.");

export const noneAuthSchema = z.object({ authType: z.literal("NONE") });
export const webhookReceiverSchema = z.object({ authType: z.literal("WEBHOOK") });

export const basicAuthSchema = z.object({
  authType: z.literal("BASIC"),
  username: basicUsernameSchema.min(1, "Enter a username."),
  password: basicPasswordSchema,
});

export const headerAuthSchema = z.object({
  authType: z.literal("HEADER"),
  headers: headerListSchema.min(1, "Add at least one header."),
});

export const queryAuthSchema = z.object({
  authType: z.literal("QUERY"),
  params: paramListSchema.min(1, "Add at least one parameter."),
});

export const customAuthSchema = z
  .object({
    authType: z.literal("CUSTOM"),
    headers: headerListSchema,
    params: paramListSchema,
    username: basicUsernameSchema,
    password: basicPasswordSchema,
  })
  .superRefine((value, ctx) => {
    const usesBasic = value.username !== "";
    if (value.headers.length === 0 && value.params.length === 0 && !usesBasic) {
      ctx.addIssue({ code: "custom", path: ["headers"], message: "Add a header, a query parameter or Basic credentials." });
    }
    if (usesBasic) {
      value.headers.forEach((header, index) => {
        if (header.name.toLowerCase() === "authorization") {
          ctx.addIssue({
            code: "custom",
            path: ["headers", index, "name"],
            message: "Basic credentials already set the Authorization header; remove one of the two.",
          });
        }
      });
    }
  });

export const authSchema = z.discriminatedUnion("authType", [
  noneAuthSchema,
  basicAuthSchema,
  headerAuthSchema,
  queryAuthSchema,
  customAuthSchema,
  bearerAuthSchema,
  digestAuthSchema,
  awsSigV4AuthSchema,
  oauth1AuthSchema,
  oauthCodeAuthSchema,
  oauthClientCredentialsAuthSchema,
  googleServiceAccountAuthSchema,
  jwtBearerAuthSchema,
  webhookReceiverSchema,
]);
export type AuthInput = z.infer<typeof authSchema>;

export const connectionBaseSchema = z.object({
  name: text().trim().min(1, "Enter a name.").max(100, "Use at most 100 characters."),
  // Required for every type but a webhook receiver (connectionInputSchema checks that, knowing the type).
  baseUrl: text()
    .trim()
    .max(2048, "Use at most 2048 characters.")
    .optional()
    .transform((url) => url ?? "")
    .pipe(z.union([z.literal(""), z.url({ protocol: /^https?$/, error: "Enter an http:// or https:// URL, e.g. https://api.example.com/v1." })], { error: "Enter an http:// or https:// URL, e.g. https://api.example.com/v1." }))
    // zod runs later checks even after z.url() has refused the string, hence the guarded parse.
    .superRefine((url, ctx) => {
      const parsed = URL.canParse(url) ? new URL(url) : undefined;
      if (parsed && (parsed.username || parsed.password)) {
        ctx.addIssue({ code: "custom", message: "Put credentials in the authentication fields, not in the URL." });
      }
      if (parsed?.hash) ctx.addIssue({ code: "custom", message: "A base URL cannot have a #fragment." });
    }),
});

/**
 * "Is this app in a private network?" (SPEC.md, "Connections"): "public", or
 * absent, and Keyway calls the API directly over the internet; "private", and
 * requests go through the team's agent `agentId`, which runs inside that
 * network. Only the schema's shape is checked here; that the agent is this
 * team's and not revoked, lib/connections checks when saving.
 */
export const NETWORKS = ["public", "private"] as const;
export type Network = (typeof NETWORKS)[number];

export const NETWORK_LABEL: Record<Network, string> = {
  public: "Public internet",
  private: "Private network, through an agent",
};

export const connectionNetworkSchema = z
  .object({
    network: z.enum(NETWORKS, { error: "Choose whether Keyway calls the API directly or through an agent." }).optional(),
    agentId: text().trim().max(100, "Choose one of this team's agents.").optional(),
  })
  .superRefine((value, ctx) => {
    if (value.network === "private" && !value.agentId) {
      ctx.addIssue({ code: "custom", path: ["agentId"], message: "Choose the agent that reaches this API." });
    }
  });
export type NetworkInput = z.infer<typeof connectionNetworkSchema>;

/** The agent a connection's requests go through, or null when Keyway calls the API directly. */
export function chosenAgentId(input: NetworkInput): string | null {
  return input.network === "private" && input.agentId ? input.agentId : null;
}

/**
 * A whole connection as the form submits it (client certificate fields come
 * with their own schema in form-payload.ts). Three parts, so that each part's
 * errors show even while another part has some of its own.
 */
export const connectionInputSchema = z.intersection(z.intersection(connectionBaseSchema, connectionNetworkSchema), authSchema).refine(
  // Also run while other fields are wrong (`when`), so the missing URL shows with them; the value may then be partly unparsed.
  (value) => {
    const { authType, baseUrl } = value as { authType?: unknown; baseUrl?: unknown };
    return authType === "WEBHOOK" || (typeof baseUrl === "string" && baseUrl.trim() !== "");
  },
  { path: ["baseUrl"], message: "Enter the base URL of the API.", when: () => true },
);
export type ConnectionInput = z.infer<typeof connectionInputSchema>;
