import aws4 from "aws4";

// A server-side AWS Signature V4 check built on a different signer than
// Keyway's (@smithy/signature-v4): aws4 recomputes the signature from the
// request as it arrived (method, raw path and query, the headers named in
// SignedHeaders, the body or X-Amz-Content-Sha256) and the result must match.

export type ReceivedRequest = { method: string; rawUrl: string; headers: Record<string, string | string[] | undefined>; body: Buffer };
export type SigV4Verdict = { ok: true; accessKeyId: string; payload: string } | { ok: false; reason: string };

export function verifySigV4(request: ReceivedRequest, credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, scope: { region: string; service: string }): SigV4Verdict {
  const authorization = String(request.headers.authorization ?? "");
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!match) return { ok: false, reason: "no SigV4 Authorization header" };
  const [, accessKeyId, , region, service, signedHeaderList] = match;
  if (accessKeyId !== credentials.accessKeyId) return { ok: false, reason: "unknown access key" };
  if (region !== scope.region || service !== scope.service) return { ok: false, reason: `scope ${region}/${service}` };
  const signedHeaders = signedHeaderList!.split(";");
  if (!signedHeaders.includes("host") || !signedHeaders.includes("x-amz-date")) return { ok: false, reason: "host and x-amz-date must be signed" };
  const headers: Record<string, string> = {};
  for (const name of signedHeaders) {
    const value = request.headers[name];
    if (value === undefined) return { ok: false, reason: `signed header ${name} missing` };
    headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  if (credentials.sessionToken && headers["x-amz-security-token"] !== credentials.sessionToken) return { ok: false, reason: "session token missing or wrong" };
  const payload = headers["x-amz-content-sha256"] ?? "";
  const signer = new aws4.RequestSigner(
    { host: headers.host, method: request.method, path: request.rawUrl, service: service!, region: region!, headers, body: payload === "UNSIGNED-PAYLOAD" ? undefined : (request.body as unknown as string), doNotModifyHeaders: true },
    credentials,
  );
  const internals = signer as unknown as { datetime: string; prepareRequest(): void };
  internals.prepareRequest();
  internals.datetime = headers["x-amz-date"]!;
  const expected = signer.authHeader();
  return expected === authorization ? { ok: true, accessKeyId: accessKeyId!, payload } : { ok: false, reason: "signature does not match" };
}
