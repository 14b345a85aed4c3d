import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import type { SigV4PayloadMode } from "./signed-auth-schemas";

// AWS Signature Version 4, signed with the AWS SDK's own signer
// (@smithy/signature-v4). Keyway signs what it sends: the method, the path and
// query as they go on the wire, the Host and every x-amz-* header and
// Content-Type, and the body's SHA-256, or UNSIGNED-PAYLOAD when the proxy
// streams a body it has not read (the connection's choice: not every service
// accepts it; S3 and API Gateway do).

export type SigV4Auth = {
  authType: "AWS_SIGV4";
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
  service: string;
  proxyPayload: SigV4PayloadMode;
};

export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

/** The largest proxied body Keyway reads into memory to hash, for connections that sign proxied bodies. */
export const SIGV4_SIGNED_BODY_BYTES = 10 * 1024 * 1024;

/** Headers that take part in the signature; the others travel unsigned, so nothing on the way can break it by adding one. */
const SIGNED_HEADER = /^(host|content-type|content-md5|x-amz-.*)$/i;

/** "a=1&b=x%20y" as the signer wants it: decoded once, a literal "+" kept (RFC 3986, not form encoding). */
function queryOf(search: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const pair of search.replace(/^\?/, "").split("&")) {
    if (pair === "") continue;
    const at = pair.indexOf("=");
    const decode = (text: string) => {
      try {
        return decodeURIComponent(text);
      } catch {
        return text;
      }
    };
    const name = decode(at === -1 ? pair : pair.slice(0, at));
    const value = at === -1 ? "" : decode(pair.slice(at + 1));
    const existing = query[name];
    query[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

/**
 * The headers a request needs for SigV4: the caller's, with Authorization,
 * X-Amz-Date, X-Amz-Content-Sha256 and (temporary credentials) X-Amz-Security-Token.
 * `body` is the whole body, or UNSIGNED_PAYLOAD for one streamed unread.
 */
export async function signSigV4(
  auth: SigV4Auth,
  request: { method: string; url: URL; headers: Record<string, string | string[]>; body: string | Buffer | null | typeof UNSIGNED_PAYLOAD },
  signingDate = new Date(),
): Promise<Record<string, string | string[]>> {
  const signer = new SignatureV4({
    service: auth.service,
    region: auth.region,
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: auth.secretAccessKey, sessionToken: auth.sessionToken || undefined },
    sha256: Sha256,
    // S3 signs the path as sent; every other service encodes it once more (the SigV4 rules).
    uriEscapePath: auth.service !== "s3",
    // S3 wants X-Amz-Content-Sha256 on every request; other services sign without it (as AWS's test suite does).
    applyChecksum: auth.service === "s3",
  });
  const kept: Record<string, string | string[]> = {};
  const signed: Record<string, string> = { host: request.url.host };
  for (const [name, value] of Object.entries(request.headers)) {
    const lower = name.toLowerCase();
    // The signer sets these itself; a caller's would otherwise be sent alongside.
    if (lower === "authorization" || lower === "x-amz-date" || lower === "x-amz-security-token" || lower === "host") continue;
    if (lower === "x-amz-content-sha256") continue;
    if (SIGNED_HEADER.test(lower) && typeof value === "string") signed[lower] = value;
    else kept[name] = value;
  }
  if (request.body === UNSIGNED_PAYLOAD) signed["x-amz-content-sha256"] = UNSIGNED_PAYLOAD;
  const result = await signer.sign(
    {
      method: request.method.toUpperCase(),
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      port: request.url.port ? Number(request.url.port) : undefined,
      path: request.url.pathname,
      query: queryOf(request.url.search),
      headers: signed,
      body: request.body === UNSIGNED_PAYLOAD ? undefined : (request.body ?? undefined),
    },
    { signingDate },
  );
  const out: Record<string, string | string[]> = { ...kept };
  for (const [name, value] of Object.entries(result.headers)) {
    // undici sets Host from the origin, which is what was signed.
    if (name.toLowerCase() !== "host") out[name] = value;
  }
  return out;
}
