import { z } from "zod";
import { optionalEndpointUrlSchema } from "../oauth/schemas";

// What a user may type for the authentication types of issue 17: a Bearer
// token, Digest, AWS Signature V4 and OAuth 1.0a. The same rule as
// schemas.ts for secrets: on edit an empty secret field keeps the saved value,
// so these schemas accept empty secrets and stored.ts decides whether one is
// needed. Kept apart from schemas.ts (which imports them) so it has no import
// of its own from there.

// Nothing that would end a header line or smuggle one in.
const NO_CONTROL = /^[^\x00-\x1f\x7f]*$/;
// RFC 6750 2.1 b64token.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

export const bearerAuthSchema = z.object({
  authType: z.literal("BEARER"),
  token: z
    .string()
    .max(8192, "Use at most 8192 characters.")
    .refine((value) => !/^bearer\s/i.test(value), { message: "Paste the token alone: Keyway adds the word “Bearer”." })
    .refine((value) => value === "" || B64TOKEN.test(value), { message: "A bearer token contains only letters, digits and -._~+/ (and = at the end), no spaces." }),
});

// RFC 7616 3.4: the username goes in a quoted-string; a quote or backslash in it would need escaping some servers get wrong.
export const DIGEST_USERNAME = /^[^\x00-\x1f\x7f"\\]*$/;

export const digestAuthSchema = z.object({
  authType: z.literal("DIGEST"),
  username: z
    .string()
    .min(1, "Enter a username.")
    .max(256, "Use at most 256 characters.")
    .regex(DIGEST_USERNAME, "A Digest username cannot contain quotes, backslashes or control characters."),
  password: z.string().max(4096, "Use at most 4096 characters.").regex(NO_CONTROL, "The password cannot contain control characters."),
});

export const SIGV4_PAYLOAD_MODES = ["unsigned", "signed"] as const;
export type SigV4PayloadMode = (typeof SIGV4_PAYLOAD_MODES)[number];

export const awsSigV4AuthSchema = z.object({
  authType: z.literal("AWS_SIGV4"),
  accessKeyId: z.string().trim().min(1, "Enter the access key ID.").max(128, "Use at most 128 characters.").regex(/^[A-Za-z0-9]+$/, "An access key ID has only letters and digits, e.g. AKIAIOSFODNN7EXAMPLE."),
  secretAccessKey: z.string().max(256, "Use at most 256 characters.").regex(NO_CONTROL, "The secret access key cannot contain control characters."),
  /** Temporary credentials (STS) come with one; empty with useSessionToken keeps the saved one. */
  useSessionToken: z.boolean(),
  sessionToken: z.string().max(4096, "Use at most 4096 characters.").regex(/^[A-Za-z0-9+/=]*$/, "A session token contains only letters, digits, + / and =."),
  region: z.string().trim().min(1, "Enter the region, e.g. us-east-1.").max(40, "Use at most 40 characters.").regex(/^[a-z0-9-]+$/, "A region is lower-case letters, digits and dashes, e.g. eu-west-1."),
  service: z.string().trim().min(1, "Enter the service name, e.g. execute-api or s3.").max(64, "Use at most 64 characters.").regex(/^[a-z0-9-]+$/, "A service name is lower-case letters, digits and dashes, e.g. execute-api."),
  /** How the proxy signs a body it streams: UNSIGNED-PAYLOAD, or hash it first (bodies up to a limit). */
  proxyPayload: z.enum(SIGV4_PAYLOAD_MODES, { error: "Choose how proxied bodies are signed." }),
});

export const OAUTH1_SIGNATURE_METHODS = ["HMAC-SHA1", "HMAC-SHA256", "RSA-SHA1", "PLAINTEXT"] as const;
export type OAuth1SignatureMethod = (typeof OAUTH1_SIGNATURE_METHODS)[number];

const oauth1Text = (label: string) => z.string().trim().max(1024, "Use at most 1024 characters.").regex(NO_CONTROL, `The ${label} cannot contain control characters.`);

/**
 * Where the access token comes from: none (two-legged: the consumer alone
 * signs), pasted (issued elsewhere), or connect (the three-legged flow of RFC
 * 5849 section 2, through Keyway's callback).
 */
export const OAUTH1_TOKEN_SOURCES = ["none", "pasted", "connect"] as const;
export type OAuth1TokenSource = (typeof OAUTH1_TOKEN_SOURCES)[number];

export const oauth1AuthSchema = z
  .object({
    authType: z.literal("OAUTH1"),
    consumerKey: oauth1Text("consumer key").min(1, "Enter the consumer key."),
    consumerSecret: z.string().max(1024, "Use at most 1024 characters.").regex(NO_CONTROL, "The consumer secret cannot contain control characters."),
    signatureMethod: z.enum(OAUTH1_SIGNATURE_METHODS, { error: "Choose a signature method." }),
    /** RSA-SHA1 only: the consumer's private key (the provider holds its public key). */
    privateKeyPem: z.string().trim().max(64 * 1024, "That is too long for a private key."),
    /** Two-legged when empty: only the consumer signs (Jira Server, many older APIs). */
    token: oauth1Text("token"),
    tokenSecret: z.string().max(1024, "Use at most 1024 characters.").regex(NO_CONTROL, "The token secret cannot contain control characters."),
    realm: oauth1Text("realm"),
    /** Absent (API callers from before the flow existed): "pasted" when a token is given, else "none". */
    tokenSource: z.enum(OAUTH1_TOKEN_SOURCES, { error: "Choose where the access token comes from." }).optional(),
    /** RFC 5849 2.1-2.3, for tokenSource "connect": the temporary credential request, resource owner authorization and token request URLs. */
    requestTokenUrl: optionalEndpointUrlSchema("temporary credentials (request token) URL").optional(),
    authorizeUrl: optionalEndpointUrlSchema("authorization URL").optional(),
    accessTokenUrl: optionalEndpointUrlSchema("token (access token) URL").optional(),
  })
  .superRefine((value, ctx) => {
    const source = oauth1TokenSource(value);
    if (source === "connect") {
      const missing = { requestTokenUrl: "temporary credentials (request token) URL", authorizeUrl: "authorization URL", accessTokenUrl: "token (access token) URL" } as const;
      for (const [field, what] of Object.entries(missing)) {
        if (!value[field as keyof typeof missing]) ctx.addIssue({ code: "custom", path: [field], message: `Enter the ${what}.` });
      }
    }
    if (source === "pasted" && value.token === "") ctx.addIssue({ code: "custom", path: ["token"], message: "Enter the access token, or choose another source." });
  });

/** Where a connection's access token comes from, also for input that does not say (see tokenSource). */
export function oauth1TokenSource(value: { tokenSource?: OAuth1TokenSource; token: string }): OAuth1TokenSource {
  return value.tokenSource ?? (value.token !== "" ? "pasted" : "none");
}

export type OAuth1AuthInput = z.infer<typeof oauth1AuthSchema>;
export type AwsSigV4AuthInput = z.infer<typeof awsSigV4AuthSchema>;
