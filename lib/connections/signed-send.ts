import type { ResolvedAuth } from "./apply-auth";
import { sendWithDigest } from "./digest";
import { oauth1Authorization, signsBodyParameters } from "./oauth1";
import { signSigV4, UNSIGNED_PAYLOAD } from "./sigv4";

// The step after applyAuth for the types that sign each request (AWS SigV4,
// OAuth 1.0a) or answer a challenge (Digest): they need the method, the URL
// as sent and the body, and Digest a round trip. Test requests and the
// proxy both send through here, so the two never differ in what they sign.

/** The body as far as the signer may know it: all of it, none, or a stream not read ("unread"). */
export type BodyToSign = string | Buffer | null | "unread";

type Headers = Record<string, string | string[]>;

export type SentResponse = { statusCode: number; headers: Record<string, string | string[] | undefined>; discard(): Promise<void> };

function withHeader(headers: Headers, name: string, value: string): Headers {
  const out: Headers = {};
  for (const [existing, v] of Object.entries(headers)) if (existing.toLowerCase() !== name.toLowerCase()) out[existing] = v;
  out[name] = value;
  return out;
}

function headerValue(headers: Headers, name: string): string | undefined {
  for (const [existing, value] of Object.entries(headers)) if (existing.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  return undefined;
}

/**
 * Whose kept Digest challenge a request answers: the connection's, for the
 * origin and user it was issued to, so an edit of either starts afresh.
 */
export function digestSessionKey(connectionId: string, url: URL, auth: { username: string }): string {
  return JSON.stringify([connectionId, url.origin, auth.username]);
}

/** Whether this auth needs the body in hand to sign a request that has one (the proxy reads it first). */
export function needsBody(auth: ResolvedAuth, headers: Headers): "no" | "form-parameters" | "hash" {
  if (auth.authType === "OAUTH1") return signsBodyParameters(headerValue(headers, "content-type")) ? "form-parameters" : "no";
  if (auth.authType === "AWS_SIGV4") return auth.proxyPayload === "signed" ? "hash" : "no";
  return "no";
}

/**
 * Sends one request with the connection's per-request credentials. `key`
 * is the connection's id (see digestSessionKey). `replayable`: the
 * body (if any) can be sent twice. Gives back the response and the headers
 * it was sent with, for the record (the caller redacts them).
 */
export async function sendAuthenticated<R extends SentResponse>(
  auth: ResolvedAuth,
  request: { key: string; method: string; url: URL; headers: Headers; body: BodyToSign; replayable: boolean },
  send: (headers: Headers) => Promise<R>,
): Promise<{ response: R; headers: Headers }> {
  const { method, url, headers, body } = request;
  switch (auth.authType) {
    case "DIGEST": {
      let sent = headers;
      const response = await sendWithDigest({ key: digestSessionKey(request.key, url, auth), auth, method, uri: `${url.pathname}${url.search}`, replayable: request.replayable }, (authorization) => {
        sent = authorization === undefined ? headers : withHeader(headers, "Authorization", authorization);
        return send(sent);
      });
      return { response, headers: sent };
    }
    case "AWS_SIGV4": {
      const signed = await signSigV4(auth, { method, url, headers, body: body === "unread" ? UNSIGNED_PAYLOAD : body });
      return { response: await send(signed), headers: signed };
    }
    case "OAUTH1": {
      const formBody = body !== null && body !== "unread" && signsBodyParameters(headerValue(headers, "content-type")) ? body.toString() : null;
      const signed = withHeader(headers, "Authorization", oauth1Authorization(auth, { method, url, formBody }));
      return { response: await send(signed), headers: signed };
    }
    default:
      return { response: await send(headers), headers };
  }
}
