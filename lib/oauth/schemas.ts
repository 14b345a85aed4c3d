import { z } from "zod";
import { splitScopes as scopesFromText } from "./providers";
import { text } from "../schemas/text";
import { checkExpiredSignal, expiredSignalFields } from "./expired-signal";
import { parseServiceAccountKey } from "./service-account";

// What a user may type for OAuth: a registered client (the client form), and
// the OAuth2 parts of a connection (the connection form). The browser and the
// server parse with these same schemas.

export const TOKEN_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"] as const;
export const TOKEN_AUTH_METHOD_LABEL: Record<(typeof TOKEN_AUTH_METHODS)[number], string> = {
  client_secret_basic: "HTTP Basic (client_secret_basic)",
  client_secret_post: "In the request body (client_secret_post)",
  none: "None: a public client, PKCE only",
};

/**
 * What a connection's own (typed-in) client may also authenticate with:
 * private_key_jwt (RFC 7523 2.2, an assertion signed with a pasted private
 * key) and RFC 8705's tls_client_auth / self_signed_tls_client_auth, which
 * present the connection's client certificate at the token endpoint too.
 */
export const CONNECTION_TOKEN_AUTH_METHODS = [...TOKEN_AUTH_METHODS, "private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"] as const;
export type ConnectionTokenAuthMethod = (typeof CONNECTION_TOKEN_AUTH_METHODS)[number];
export const CONNECTION_TOKEN_AUTH_METHOD_LABEL: Record<ConnectionTokenAuthMethod, string> = {
  ...TOKEN_AUTH_METHOD_LABEL,
  private_key_jwt: "Signed assertion with a private key (private_key_jwt)",
  tls_client_auth: "Client certificate, CA-issued (tls_client_auth)",
  self_signed_tls_client_auth: "Client certificate, self-signed (self_signed_tls_client_auth)",
};
/** The registered client form's choices, in the order offered, with what each needs. */
export const CLIENT_AUTH_METHOD_CHOICES: { method: ConnectionTokenAuthMethod; label: string; description: string }[] = [
  // Not "Client secret (…)": the secret field beside them is "Client secret", and two controls named alike are one too many for a screen reader.
  { method: "client_secret_basic", label: "Secret (HTTP Basic)", description: "The secret in an HTTP Basic header: what most providers expect." },
  { method: "client_secret_post", label: "Secret (request body)", description: "The secret in the token request's body, for providers that refuse Basic." },
  { method: "private_key_jwt", label: "Private key JWT", description: "A client assertion signed with your private key (RFC 7523); the provider holds only the public key." },
  { method: "tls_client_auth", label: "TLS client certificate", description: "A CA-issued certificate presented at the token endpoint (RFC 8705); each connection brings its own." },
  { method: "self_signed_tls_client_auth", label: "Self-signed TLS certificate", description: "A self-signed certificate registered at the provider (RFC 8705); each connection brings its own." },
  { method: "none", label: "None (public client)", description: "No client authentication; PKCE only." },
];

/**
 * The method to suggest when a provider's metadata lists the ones it accepts
 * (token_endpoint_auth_methods_supported): the current one if accepted, else
 * the first accepted of the secrets, then a private key, then a certificate.
 * "none" is never suggested over a method that authenticates.
 */
export function suggestTokenAuthMethod(current: ConnectionTokenAuthMethod, supported: string[]): ConnectionTokenAuthMethod {
  if (supported.length === 0 || supported.includes(current)) return current;
  const order: ConnectionTokenAuthMethod[] = ["client_secret_basic", "client_secret_post", "private_key_jwt", "tls_client_auth", "self_signed_tls_client_auth"];
  return order.find((method) => supported.includes(method)) ?? current;
}

export function isTlsClientAuth(method: string): boolean {
  return method === "tls_client_auth" || method === "self_signed_tls_client_auth";
}
/** Methods with a client secret. */
export function usesClientSecret(method: string): boolean {
  return method === "client_secret_basic" || method === "client_secret_post";
}

/** The algorithms Keyway signs client assertions with: RSA PKCS#1 v1.5, RSA-PSS and ECDSA P-256, each with SHA-256. */
export const ASSERTION_ALGS = ["RS256", "PS256", "ES256"] as const;
export type AssertionAlg = (typeof ASSERTION_ALGS)[number];

const PEM_PRIVATE_KEY = /-----BEGIN (RSA |EC )?PRIVATE KEY-----[\s\S]+-----END (RSA |EC )?PRIVATE KEY-----/;

/** The private_key_jwt fields of a connection's own client; the key is write-only (empty on edit keeps the saved one). */
const assertionFields = {
  clientPrivateKeyPem: text().trim().max(16 * 1024, "That is too long for a private key.").optional(),
  clientAssertionAlg: z.enum(ASSERTION_ALGS, { error: "Choose RS256, PS256 or ES256." }).optional(),
  clientAssertionKid: text().trim().max(256, "Use at most 256 characters.").regex(/^[\x20-\x7e]*$/, "A key ID is printable ASCII.").optional(),
};

function checkAssertionKey(value: { oauthClientRef?: string; tokenAuthMethod: string; clientPrivateKeyPem?: string }, ctx: z.RefinementCtx) {
  if ((value.oauthClientRef ?? "") !== "" || value.tokenAuthMethod !== "private_key_jwt" || !value.clientPrivateKeyPem) return;
  checkPemShape(value.clientPrivateKeyPem, "clientPrivateKeyPem", ctx);
}

/** The browser can only check the PEM's shape; the server checks that it is a key that fits the algorithm (lib/oauth/assertion-key.ts). */
/** Why a pasted key is not a private key Keyway can keep (PEM, unencrypted), or null. */
function pemShapeProblem(pem: string): string | null {
  if (/ENCRYPTED PRIVATE KEY|Proc-Type: 4,ENCRYPTED/.test(pem)) return "Paste the key without a passphrase (openssl pkcs8 -topk8 -nocrypt -in key.pem); Keyway encrypts it itself.";
  if (!PEM_PRIVATE_KEY.test(pem)) return "Paste a PEM private key, from -----BEGIN PRIVATE KEY----- to -----END PRIVATE KEY-----.";
  return null;
}

function checkPemShape(pem: string, path: string, ctx: z.RefinementCtx) {
  const problem = pemShapeProblem(pem);
  if (problem) ctx.addIssue({ code: "custom", path: [path], message: problem });
}

/**
 * A private key (PEM) Keyway signs assertions with, as the connection form
 * takes it (empty: keep the saved one); connect links parse the same field.
 */
export const assertionKeyPemSchema = text()
  .trim()
  .max(16 * 1024, "That is too long for a private key.")
  .superRefine((pem, ctx) => {
    const problem = pem === "" ? null : pemShapeProblem(pem);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

/** A Google service account's JSON key file, as the connection form takes it (empty: keep the saved one); connect links parse the same field. */
export const serviceAccountKeySchema = text()
  .trim()
  .max(32 * 1024, "That is too long for a service account key file.")
  .superRefine((value, ctx) => {
    if (value === "") return;
    const key = parseServiceAccountKey(value);
    if ("problem" in key) ctx.addIssue({ code: "custom", message: key.problem });
  });

/** Parameters Keyway itself sets on an authorization or token request; a user's extra parameter may not replace them. */
export const RESERVED_OAUTH_PARAMS = new Set([
  "client_id",
  "client_secret",
  "redirect_uri",
  "response_type",
  "state",
  "code",
  "code_challenge",
  "code_challenge_method",
  "code_verifier",
  "grant_type",
  "refresh_token",
  "scope",
  "request_uri",
  "client_assertion",
  "client_assertion_type",
]);

/** An endpoint URL: http(s), no credentials, no fragment (RFC 6749 3.1 and 3.2 forbid a fragment). */
export function endpointUrlSchema(what: string) {
  return text()
    .trim()
    .min(1, `Enter the ${what}.`)
    .max(2048, "Use at most 2048 characters.")
    .pipe(z.url({ protocol: /^https?$/, error: `Enter the ${what} as an https:// URL.` }))
    .superRefine((url, ctx) => {
      const parsed = URL.canParse(url) ? new URL(url) : undefined;
      if (parsed && (parsed.username || parsed.password)) ctx.addIssue({ code: "custom", message: "A URL here cannot carry credentials." });
      if (parsed?.hash) ctx.addIssue({ code: "custom", message: "An OAuth endpoint cannot have a #fragment." });
    });
}

/** The same, or empty for "none". */
export function optionalEndpointUrlSchema(what: string) {
  return z.union([z.literal(""), endpointUrlSchema(what)]);
}

/** Splits what a user typed into scopes: spaces, commas or new lines between them; duplicates dropped. */
export { splitScopes as scopesFromText } from "./providers";

// RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

export const scopesTextSchema = text()
  .max(4096, "Use at most 4096 characters.")
  .superRefine((text, ctx) => {
    const bad = scopesFromText(text).find((scope) => !SCOPE_TOKEN.test(scope));
    if (bad) ctx.addIssue({ code: "custom", message: `“${bad}” is not a valid scope: no quotes, backslashes or non-ASCII characters.` });
    if (scopesFromText(text).length > 100) ctx.addIssue({ code: "custom", message: "Use at most 100 scopes." });
  });

export const extraParamSchema = z.object({
  name: text()
    .trim()
    .min(1, "Enter a parameter name.")
    .max(128, "Use at most 128 characters.")
    .regex(/^[A-Za-z0-9_.~-]+$/, "A parameter name may contain letters, digits and _ . ~ - only.")
    .refine((name) => !RESERVED_OAUTH_PARAMS.has(name), { message: "Keyway sets this parameter itself." }),
  value: text().max(2048, "Use at most 2048 characters."),
});
export type ExtraParam = z.infer<typeof extraParamSchema>;

export const extraParamsSchema = z
  .array(extraParamSchema)
  .max(20, "Use at most 20 parameters.")
  .superRefine((params, ctx) => {
    const seen = new Set<string>();
    params.forEach((param, index) => {
      if (seen.has(param.name)) ctx.addIssue({ code: "custom", path: [index, "name"], message: `“${param.name}” is already set above.` });
      seen.add(param.name);
    });
  });

const clientIdSchema = text()
  .trim()
  .min(1, "Enter the client ID.")
  .max(512, "Use at most 512 characters.")
  .regex(/^[\x20-\x7e]+$/, "A client ID is printable ASCII.");
const clientSecretSchema = text().max(4096, "Use at most 4096 characters.").regex(/^[^\x00-\x1f\x7f]*$/, "The secret cannot contain control characters.");

/** The provider a client came from: a template id, an OpenID Connect issuer, or typed in. */
export const clientProviderSchema = text().regex(/^(oidc|custom|[a-z]+)$/, "Choose a provider.");

/**
 * A registered OAuth client as the client form submits it. An empty secret on
 * edit keeps the saved one; whether a secret is needed at all is decided with
 * the saved record (see lib/oauth/clients.ts).
 */
export const oauthClientInputSchema = z
  .object({
    name: text().trim().min(1, "Enter a name.").max(100, "Use at most 100 characters."),
    provider: clientProviderSchema,
    issuer: z.union([z.literal(""), endpointUrlSchema("issuer URL")]),
    authorizationUrl: endpointUrlSchema("authorization URL"),
    tokenUrl: endpointUrlSchema("token URL"),
    revocationUrl: optionalEndpointUrlSchema("revocation URL"),
    parUrl: optionalEndpointUrlSchema("pushed authorization request URL"),
    clientId: clientIdSchema,
    clientSecret: clientSecretSchema,
    scopes: scopesTextSchema,
    scopeSeparator: z.enum([" ", ","]),
    tokenAuthMethod: z.enum(CONNECTION_TOKEN_AUTH_METHODS, { error: "Choose how the client authenticates." }),
    // private_key_jwt only (ignored for the other methods); absent in older API calls, hence the defaults.
    clientPrivateKeyPem: assertionFields.clientPrivateKeyPem.default(""),
    clientAssertionAlg: z.enum(ASSERTION_ALGS, { error: "Choose RS256, PS256 or ES256." }).default("RS256"),
    clientAssertionKid: assertionFields.clientAssertionKid.default(""),
    pkce: z.boolean(),
    extraAuthParams: extraParamsSchema,
    notes: text().max(2000, "Use at most 2000 characters."),
  })
  .superRefine((value, ctx) => {
    checkAssertionKey(value, ctx);
    if (value.tokenAuthMethod === "none" && !value.pkce) {
      ctx.addIssue({ code: "custom", path: ["pkce"], message: "A public client (no secret) must use PKCE." });
    }
    if (value.tokenAuthMethod === "none" && value.clientSecret !== "") {
      ctx.addIssue({ code: "custom", path: ["clientSecret"], message: "A public client has no secret; clear this field or choose another authentication method." });
    }
  });
export type OAuthClientInput = z.infer<typeof oauthClientInputSchema>;

/** Registered client chosen in a connection ("" when the client is typed in place). */
const clientRefSchema = text().max(40);

/**
 * OAuth2 authorization code grant, as the connection form submits it: a
 * registered client, or authorization URL, token URL, client id and secret
 * typed in place.
 */
export const oauthCodeAuthSchema = z
  .object({
    authType: z.literal("OAUTH2_CODE"),
    oauthClientRef: clientRefSchema,
    authorizationUrl: text().trim().max(2048),
    tokenUrl: text().trim().max(2048),
    revocationUrl: text().trim().max(2048),
    clientId: text().trim().max(512),
    clientSecret: clientSecretSchema,
    tokenAuthMethod: z.enum(CONNECTION_TOKEN_AUTH_METHODS, { error: "Choose how the client authenticates." }),
    ...assertionFields,
    pkce: z.boolean(),
    /** Empty: the registered client's default scopes. */
    scopes: scopesTextSchema,
    extraParams: extraParamsSchema,
    ...expiredSignalFields,
  })
  .superRefine((value, ctx) => {
    requireInlineClient(value, ctx, true);
    checkAssertionKey(value, ctx);
    checkExpiredSignal(value, ctx);
  });

/** OAuth2 client credentials grant: token URL, client id and secret (or a registered client), scopes, audience, extra token parameters. */
export const oauthClientCredentialsAuthSchema = z
  .object({
    authType: z.literal("OAUTH2_CLIENT_CREDENTIALS"),
    oauthClientRef: clientRefSchema,
    tokenUrl: text().trim().max(2048),
    clientId: text().trim().max(512),
    clientSecret: clientSecretSchema,
    tokenAuthMethod: z.enum(CONNECTION_TOKEN_AUTH_METHODS, { error: "Choose how the client authenticates." }),
    ...assertionFields,
    scopes: scopesTextSchema,
    audience: text().trim().max(2048, "Use at most 2048 characters."),
    extraParams: extraParamsSchema,
    ...expiredSignalFields,
  })
  .superRefine((value, ctx) => {
    requireInlineClient(value, ctx, false);
    checkAssertionKey(value, ctx);
    checkExpiredSignal(value, ctx);
    if (value.oauthClientRef === "" && value.tokenAuthMethod === "none") {
      ctx.addIssue({ code: "custom", path: ["tokenAuthMethod"], message: "The client credentials grant needs the client to authenticate: choose a secret, a private key or a client certificate." });
    }
    if (value.audience !== "" && value.extraParams.some((p) => p.name === "audience")) {
      ctx.addIssue({ code: "custom", path: ["audience"], message: "Audience is also set as an extra parameter below; keep one of the two." });
    }
  });

function requireInlineClient(
  value: { oauthClientRef: string; authorizationUrl?: string; tokenUrl: string; revocationUrl?: string; clientId: string; tokenAuthMethod: string; pkce?: boolean },
  ctx: z.RefinementCtx,
  authorizationCode: boolean,
) {
  if (value.oauthClientRef !== "") return;
  const check = (field: "authorizationUrl" | "tokenUrl" | "revocationUrl", schema: z.ZodType) => {
    const result = schema.safeParse(value[field] ?? "");
    if (!result.success) ctx.addIssue({ code: "custom", path: [field], message: result.error.issues[0]?.message ?? "Enter a valid URL." });
  };
  if (authorizationCode) {
    check("authorizationUrl", endpointUrlSchema("authorization URL"));
    check("revocationUrl", optionalEndpointUrlSchema("revocation URL"));
    if (value.tokenAuthMethod === "none" && value.pkce === false) ctx.addIssue({ code: "custom", path: ["pkce"], message: "A public client (no secret) must use PKCE." });
  }
  check("tokenUrl", endpointUrlSchema("token URL"));
  const id = clientIdSchema.safeParse(value.clientId);
  if (!id.success) ctx.addIssue({ code: "custom", path: ["clientId"], message: id.error.issues[0]?.message ?? "Enter the client ID." });
}

/** The scopes of a service account connection: at least one (Google issues no access token without). */
function requireScopes(value: { scopes: string }, ctx: z.RefinementCtx, example: string) {
  if (scopesFromText(value.scopes).length === 0) ctx.addIssue({ code: "custom", path: ["scopes"], message: `Enter at least one scope, e.g. ${example}.` });
}

/**
 * A Google service account (the JWT bearer grant, RFC 7523 2.1, as Google
 * documents it for server-to-server apps): the pasted JSON key file, an
 * optional user to impersonate (domain-wide delegation), scopes. The key file
 * is write-only: empty on edit keeps the saved key.
 */
export const googleServiceAccountAuthSchema = z
  .object({
    authType: z.literal("GOOGLE_SERVICE_ACCOUNT"),
    serviceAccountKey: serviceAccountKeySchema,
    subject: text()
      .trim()
      .max(320, "Use at most 320 characters.")
      .refine((value) => value === "" || /^[^\s@]+@[^\s@]+$/.test(value), { message: "Enter the email address of the user to act as, or leave this empty." }),
    scopes: scopesTextSchema,
    ...expiredSignalFields,
  })
  .superRefine((value, ctx) => {
    requireScopes(value, ctx, "https://www.googleapis.com/auth/cloud-platform");
    checkExpiredSignal(value, ctx);
  });

const printable = (what: string, max: number) =>
  text()
    .trim()
    .max(max, `Use at most ${max} characters.`)
    .regex(/^[\x20-\x7e]*$/, `${what} is printable ASCII.`);

/**
 * The JWT bearer grant (RFC 7523 2.1) with any authorization server: Keyway
 * signs an assertion (iss, sub, aud, exp, iat, jti) with the pasted private
 * key and trades it for an access token. `audience` empty means the token
 * URL; `subject` empty means the issuer (a service acting as itself);
 * `clientId`, where the server wants the client named, goes in the body.
 */
export const jwtBearerAuthSchema = z
  .object({
    authType: z.literal("OAUTH2_JWT_BEARER"),
    tokenUrl: endpointUrlSchema("token URL"),
    issuer: printable("An issuer", 2048).min(1, "Enter the issuer (iss) the authorization server expects, such as the service account's id."),
    subject: printable("A subject", 2048),
    audience: printable("An audience", 2048),
    clientId: printable("A client ID", 512),
    assertionKeyPem: assertionKeyPemSchema,
    assertionAlg: z.enum(ASSERTION_ALGS, { error: "Choose RS256, PS256 or ES256." }),
    assertionKid: printable("A key ID", 256),
    scopes: scopesTextSchema,
    ...expiredSignalFields,
  })
  .superRefine((value, ctx) => {
    checkExpiredSignal(value, ctx);
  });
