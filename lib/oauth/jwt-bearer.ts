import { createPrivateKey, randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import * as oauth from "openid-client";
import type { AssertionAlg } from "./schemas";
import { assertionKeyProblem } from "./assertion-key";

// The JWT bearer grant (RFC 7523 2.1): a service account proves itself with a
// JWT it signs, and the authorization server answers with an access token. No
// user, no refresh token: a new assertion is signed whenever a new token is
// needed, exactly when a client credentials connection would ask again.
//
// Google's flavour (developers.google.com/identity/protocols/oauth2/service-account,
// "Preparing to make an authorized API call"): iss is the key's client_email,
// aud its token_uri, the scopes go in the assertion's `scope` claim, `sub`
// names the user to impersonate with domain-wide delegation, kid is the
// key's private_key_id, RS256, and exp at most an hour after iat. The generic
// flavour sends the scopes as the token request's `scope` parameter (RFC 7523
// 2.1 points to RFC 6749 3.3), as Okta, Salesforce and Keycloak expect.

export const JWT_BEARER_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/** Google allows an hour at most. */
const GOOGLE_ASSERTION_SECONDS = 3600;
/** Other servers are stricter (Salesforce: three minutes); the assertion is used at once anyway. */
const GENERIC_ASSERTION_SECONDS = 180;

export type JwtBearerSettings = {
  flavor: "google" | "generic";
  keyPem: string;
  alg: AssertionAlg;
  kid?: string;
  issuer: string;
  /** Google: the user impersonated, if any. Generic: the assertion's sub (the issuer when none is set). */
  subject?: string;
  audience: string;
};

/** The signed assertion: iss, sub, aud, iat, exp, jti, and for Google the scopes. */
export async function signAssertion(settings: JwtBearerSettings, scopes: string[], now = Math.floor(Date.now() / 1000)): Promise<string> {
  const problem = assertionKeyProblem(settings.keyPem, settings.alg);
  if (problem) throw new Error(problem);
  const google = settings.flavor === "google";
  const subject = google ? settings.subject : (settings.subject ?? settings.issuer);
  const jwt = new SignJWT(google && scopes.length > 0 ? { scope: scopes.join(" ") } : {})
    .setProtectedHeader({ alg: settings.alg, typ: "JWT", ...(settings.kid ? { kid: settings.kid } : {}) })
    .setIssuer(settings.issuer)
    .setAudience(settings.audience)
    .setIssuedAt(now)
    .setExpirationTime(now + (google ? GOOGLE_ASSERTION_SECONDS : GENERIC_ASSERTION_SECONDS))
    .setJti(randomUUID());
  if (subject) jwt.setSubject(subject);
  return jwt.sign(createPrivateKey({ key: settings.keyPem, format: "pem" }));
}

/** Trades a fresh assertion for an access token at the configuration's token endpoint. */
export async function jwtBearerGrant(configuration: oauth.Configuration, settings: JwtBearerSettings, scopes: string[]): Promise<oauth.TokenEndpointResponse> {
  const assertion = await signAssertion(settings, scopes);
  const parameters: Record<string, string> = { assertion };
  if (settings.flavor === "generic" && scopes.length > 0) parameters.scope = scopes.join(" ");
  return oauth.genericGrantRequest(configuration, JWT_BEARER_GRANT_TYPE, parameters);
}

/** What to check when the server refuses an assertion, by error code; the generic RFC 6749 text speaks of codes and refresh tokens. */
export function assertionRefusalFix(flavor: "google" | "generic", code: string, impersonating: boolean): string | undefined {
  if (flavor === "google") {
    if (code === "invalid_grant")
      return "Check that the key is still active (IAM & Admin → Service accounts → Keys), that the service account exists and is enabled, that this machine's clock is right, and, when impersonating, that the user exists in the Workspace domain.";
    if (code === "unauthorized_client" || code === "access_denied")
      return impersonating
        ? "Impersonating a user needs domain-wide delegation: in the Google Workspace Admin console (Security → API controls → Domain-wide delegation), allow this service account's client ID exactly these scopes."
        : "The service account may not obtain tokens for these scopes; check the scopes and the account's roles.";
    if (code === "invalid_scope") return "Use full scope URLs, e.g. https://www.googleapis.com/auth/cloud-platform.";
    return undefined;
  }
  if (code === "invalid_grant")
    return "The server did not accept the signed assertion: check that it knows this key (its public key or JWKS, and the key ID), and that the issuer, subject and audience are what it expects; a wrong clock on either side also makes an assertion invalid.";
  return undefined;
}
