import { Readable } from "node:stream";
import type { ResolvedAuth } from "../connections/apply-auth";
import { DIGEST_REPLAY_BODY_BYTES, hasDigestSession, keepDigestChallenge, parseDigestChallenge } from "../connections/digest";
import { needsBody, type BodyToSign } from "../connections/signed-send";
import { SIGV4_SIGNED_BODY_BYTES } from "../connections/sigv4";
import { ProxyError } from "./errors";

// What the proxy does with a streamed body for the types that sign or
// challenge per request. It streams whenever it can; it reads a body into
// memory only when the signature covers it (SigV4 with "sign the hash", an
// OAuth 1.0a form body) or, for Digest, when it is small enough to send
// again after a challenge.

/** OAuth 1.0a signs a form body's parameters; such bodies are small. */
const OAUTH1_FORM_BODY_BYTES = 1024 * 1024;

/**
 * The whole stream when it ends within `limit` bytes; otherwise a stream that
 * gives back what was read and then the rest, untouched.
 */
export async function readUpTo(stream: Readable, limit: number): Promise<{ whole: Buffer } | { rest: Readable }> {
  const chunks: Buffer[] = [];
  let size = 0;
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return { whole: Buffer.concat(chunks, size) };
    const chunk = typeof next.value === "string" ? Buffer.from(next.value) : next.value;
    chunks.push(chunk);
    size += chunk.length;
    if (size > limit) {
      // Not returned from the loop with `break`: that would destroy the caller's stream.
      const rest = async function* () {
        yield* chunks;
        for (let more = await iterator.next(); !more.done; more = await iterator.next()) yield more.value;
      };
      return { rest: Readable.from(rest(), { objectMode: false }) };
    }
  }
}

export type PreparedBody = { body: Buffer | Readable | null; toSign: BodyToSign; replayable: boolean };

/** The body to send and what the signer may know of it. */
export async function prepareSignedBody(auth: ResolvedAuth, headers: Record<string, string | string[]>, body: Readable | null): Promise<PreparedBody> {
  if (body === null) return { body: null, toSign: null, replayable: true };
  const need = needsBody(auth, headers);
  if (need !== "no") {
    const limit = need === "hash" ? SIGV4_SIGNED_BODY_BYTES : OAUTH1_FORM_BODY_BYTES;
    const read = await readUpTo(body, limit);
    if ("rest" in read) {
      read.rest.destroy();
      throw new ProxyError(
        413,
        "body_too_large",
        need === "hash"
          ? `This connection signs each proxied body's hash (AWS Signature V4), which Keyway does for bodies up to ${limit / 1024 / 1024} MB. Send a smaller body, or set the connection to stream bodies as UNSIGNED-PAYLOAD.`
          : `OAuth 1.0a signs a form body's parameters; Keyway does that for form bodies up to ${limit / 1024 / 1024} MB.`,
      );
    }
    return { body: read.whole, toSign: read.whole, replayable: true };
  }
  if (auth.authType === "DIGEST") {
    const read = await readUpTo(body, DIGEST_REPLAY_BODY_BYTES);
    return "whole" in read ? { body: read.whole, toSign: read.whole, replayable: true } : { body: read.rest, toSign: "unread", replayable: false };
  }
  return { body, toSign: "unread", replayable: false };
}

/**
 * A Digest connection's first request with a large body: the body cannot be
 * sent twice, so a GET without credentials (safe, and refused unread by a
 * server that wants Digest) fetches the challenge first.
 */
export async function fetchDigestChallenge(key: string, probe: () => Promise<{ statusCode: number; headers: Record<string, string | string[] | undefined>; body: { dump(): Promise<void> } }>): Promise<void> {
  if (hasDigestSession(key)) return;
  const response = await probe();
  await response.body.dump().catch(() => undefined);
  if (response.statusCode !== 401) return;
  const challenge = parseDigestChallenge(response.headers["www-authenticate"]);
  if (challenge) keepDigestChallenge(key, challenge);
}
