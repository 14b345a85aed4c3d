import { createHash, createPrivateKey, createPublicKey, webcrypto, type KeyObject } from "node:crypto";
import type { AssertionAlg } from "./schemas";

// The private key of a private_key_jwt client (RFC 7523 2.2), as pasted: any
// PEM Node reads (PKCS#8, PKCS#1 RSA, SEC1 EC). openid-client signs the
// assertion with a WebCrypto key, so it is imported as one, not extractable,
// for signing only.

const SUBTLE_ALGORITHM: Record<AssertionAlg, RsaHashedImportParams | EcKeyImportParams> = {
  RS256: { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" },
  PS256: { name: "RSA-PSS", hash: "SHA-256" },
  ES256: { name: "ECDSA", namedCurve: "P-256" },
};

function readKey(pem: string): KeyObject | string {
  try {
    return createPrivateKey({ key: pem, format: "pem" });
  } catch {
    return "That is not a private key Keyway can read: paste an unencrypted PEM key (PKCS#8, or an RSA or EC key).";
  }
}

/** Why this key cannot sign with `alg`, in words; null when it can. */
export function assertionKeyProblem(pem: string, alg: AssertionAlg): string | null {
  const key = readKey(pem);
  if (typeof key === "string") return key;
  const type = key.asymmetricKeyType;
  if (alg === "ES256") {
    if (type !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") return "ES256 needs an EC key on the P-256 curve; this key is not one. Choose RS256 or PS256 for an RSA key.";
  } else if (type !== "rsa" && type !== "rsa-pss") {
    return `${alg} needs an RSA key; this is ${type === "ec" ? "an EC key: choose ES256" : `a ${type} key`}.`;
  } else if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    return "Use an RSA key of at least 2048 bits.";
  }
  return null;
}

/** The key as openid-client's PrivateKeyJwt wants it. */
export async function assertionSigningKey(pem: string, alg: AssertionAlg, kid: string | undefined): Promise<{ key: CryptoKey; kid?: string }> {
  const problem = assertionKeyProblem(pem, alg);
  if (problem) throw new Error(problem);
  const der = (readKey(pem) as KeyObject).export({ format: "der", type: "pkcs8" });
  const key = await webcrypto.subtle.importKey("pkcs8", der, SUBTLE_ALGORITHM[alg], false, ["sign"]);
  return { key: key as CryptoKey, ...(kid ? { kid } : {}) };
}

/** A signing key's public half, as a provider's client registration takes it (a JWK in the client's JWKS). */
export type PublicJwk = { kty: string; kid?: string; alg: AssertionAlg; use: "sig"; n?: string; e?: string; crv?: string; x?: string; y?: string };

/** The public JWK of a private key that passed assertionKeyProblem. Not secret: shown so it can be registered at the provider. */
export function publicJwkOf(pem: string, alg: AssertionAlg, kid: string | undefined): PublicJwk {
  const exported = createPublicKey(createPrivateKey({ key: pem, format: "pem" })).export({ format: "jwk" }) as Record<string, string>;
  const members = exported.kty === "EC" ? { kty: "EC", crv: exported.crv, x: exported.x, y: exported.y } : { kty: "RSA", n: exported.n, e: exported.e };
  return { ...members, ...(kid ? { kid } : {}), alg, use: "sig" } as PublicJwk;
}

/** The RFC 7638 thumbprint (SHA-256, base64url) that identifies the key at providers that show one. */
export function jwkThumbprint(jwk: PublicJwk): string {
  // RFC 7638 3.2: the required members only, in lexicographic order, no white space.
  const required = jwk.kty === "EC" ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { e: jwk.e, kty: jwk.kty, n: jwk.n };
  return createHash("sha256").update(JSON.stringify(required)).digest("base64url");
}
