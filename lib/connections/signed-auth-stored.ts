import { z } from "zod";
import type { ResolvedAuth } from "./apply-auth";
import { OAUTH1_SIGNATURE_METHODS, oauth1TokenSource, SIGV4_PAYLOAD_MODES } from "./signed-auth-schemas";
import type { AuthInput } from "./schemas";

// How the issue-17 types are kept: settings in Connection.config (aws,
// oauth1; Digest reuses `username`), secrets in the connection's one
// encrypted blob (so key rotation re-encrypts them with the rest), and a
// hint per secret for the form.

export const storedAwsSchema = z.object({
  accessKeyId: z.string(),
  region: z.string(),
  service: z.string(),
  proxyPayload: z.enum(SIGV4_PAYLOAD_MODES),
});

export const storedOAuth1Schema = z.object({
  consumerKey: z.string(),
  signatureMethod: z.enum(OAUTH1_SIGNATURE_METHODS),
  token: z.string().optional(),
  realm: z.string().optional(),
  /** Three-legged: the access token comes from Connect (RFC 5849 2) and lives in the TokenSet, not here. */
  flow: z.object({ requestTokenUrl: z.string(), authorizeUrl: z.string(), accessTokenUrl: z.string() }).optional(),
});

/** The access token and secret a three-legged connection got from Connect (decrypted from its TokenSet). */
export type OAuth1FlowTokens = { token: string; tokenSecret: string };

export type SignedAuthSecrets = {
  /** Bearer token type. */
  token?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  consumerSecret?: string;
  tokenSecret?: string;
  privateKeyPem?: string;
};

type SignedInput = Extract<AuthInput, { authType: "BEARER" | "DIGEST" | "AWS_SIGV4" | "OAUTH1" }>;
type Config = { username?: string; aws?: z.infer<typeof storedAwsSchema>; oauth1?: z.infer<typeof storedOAuth1Schema> };
type Secrets = SignedAuthSecrets & { password?: string };

/**
 * Fills config, secrets and hints for one of these types. `saved` holds the
 * saved secrets when the saved connection has the same type: an empty secret
 * field keeps the saved value. Missing required secrets become field errors.
 */
export function storeSignedAuth(
  input: SignedInput,
  saved: Secrets | null,
  out: { config: Config; secrets: Secrets; hints: Record<string, { set: true; lastFour?: string }>; errors: Record<string, string> },
  hintFor: (secret: string) => { set: true; lastFour?: string },
): void {
  const keep = (field: keyof Secrets, typed: string, required: string | null) => {
    const value = typed !== "" ? typed : saved?.[field];
    if (value === undefined || value === "") {
      if (required) out.errors[field] = required;
      return;
    }
    out.secrets[field] = value;
    out.hints[field] = field === "privateKeyPem" ? { set: true } : hintFor(value);
  };
  switch (input.authType) {
    case "BEARER":
      keep("token", input.token, "Enter the token.");
      break;
    case "DIGEST":
      out.config.username = input.username;
      keep("password", input.password, "Enter the password.");
      break;
    case "AWS_SIGV4":
      out.config.aws = { accessKeyId: input.accessKeyId, region: input.region, service: input.service, proxyPayload: input.proxyPayload };
      keep("secretAccessKey", input.secretAccessKey, "Enter the secret access key.");
      if (input.useSessionToken) keep("sessionToken", input.sessionToken, "Enter the session token, or untick “Temporary credentials”.");
      break;
    case "OAUTH1": {
      const source = oauth1TokenSource(input);
      out.config.oauth1 = {
        consumerKey: input.consumerKey,
        signatureMethod: input.signatureMethod,
        ...(source === "pasted" ? { token: input.token } : {}),
        ...(input.realm ? { realm: input.realm } : {}),
        ...(source === "connect" ? { flow: { requestTokenUrl: input.requestTokenUrl ?? "", authorizeUrl: input.authorizeUrl ?? "", accessTokenUrl: input.accessTokenUrl ?? "" } } : {}),
      };
      if (input.signatureMethod === "RSA-SHA1") keep("privateKeyPem", input.privateKeyPem, "Paste the consumer's private key (PEM).");
      else keep("consumerSecret", input.consumerSecret, "Enter the consumer secret.");
      if (source === "pasted") keep("tokenSecret", input.tokenSecret, "Enter the token secret.");
      break;
    }
  }
}

/** A three-legged connection nobody has connected yet (or that was disconnected). */
export class OAuth1NotConnectedError extends Error {
  constructor() {
    super("This OAuth 1.0a connection is not connected: click Connect on its page and approve access at the provider.");
    this.name = "OAuth1NotConnectedError";
  }
}

function missing(what: string): Error {
  return new Error(`The saved ${what} is missing; edit the connection and enter it again.`);
}

/** What signed-send.ts needs, from what is stored; `flowTokens` are a three-legged OAuth 1.0a connection's (null: not connected). */
export function resolveSignedAuth(authType: "BEARER" | "DIGEST" | "AWS_SIGV4" | "OAUTH1", config: Config, secrets: Secrets, flowTokens?: OAuth1FlowTokens | null): ResolvedAuth {
  switch (authType) {
    case "BEARER":
      if (!secrets.token) throw missing("token");
      return { authType: "BEARER", accessToken: secrets.token };
    case "DIGEST":
      return { authType: "DIGEST", username: config.username ?? "", password: secrets.password ?? "" };
    case "AWS_SIGV4": {
      if (!config.aws || !secrets.secretAccessKey) throw missing("secret access key");
      return { authType: "AWS_SIGV4", ...config.aws, secretAccessKey: secrets.secretAccessKey, sessionToken: secrets.sessionToken };
    }
    case "OAUTH1": {
      if (!config.oauth1) throw missing("OAuth 1.0a setting");
      const rsa = config.oauth1.signatureMethod === "RSA-SHA1";
      if (rsa ? !secrets.privateKeyPem : secrets.consumerSecret === undefined) throw missing(rsa ? "private key" : "consumer secret");
      if (config.oauth1.flow && !flowTokens) throw new OAuth1NotConnectedError();
      if (!config.oauth1.flow && config.oauth1.token && secrets.tokenSecret === undefined) throw missing("token secret");
      return {
        authType: "OAUTH1",
        consumerKey: config.oauth1.consumerKey,
        consumerSecret: secrets.consumerSecret ?? "",
        signatureMethod: config.oauth1.signatureMethod,
        privateKeyPem: secrets.privateKeyPem,
        token: config.oauth1.flow ? flowTokens!.token : config.oauth1.token,
        tokenSecret: config.oauth1.flow ? flowTokens!.tokenSecret : secrets.tokenSecret,
        realm: config.oauth1.realm,
      };
    }
  }
}
