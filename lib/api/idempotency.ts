import { createHash } from "node:crypto";
import { db } from "../db";
import { decryptJson, encryptJson } from "../crypto";
import { Prisma } from "../generated/prisma/client";
import { ApiProblem } from "./problem";

// Idempotency-Key on POST (draft-ietf-httpapi-idempotency-key-header): the
// first request with a key is served and its answer kept, encrypted, for 24
// hours; a retry with the same key and the same request gets that answer
// again (marked Idempotent-Replayed: true) and changes nothing. The same key
// with another request is refused with 422, and while the first is still
// being served, a retry gets 409. Kept in Postgres, so a retry that reaches
// another instance is answered the same.

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export type StoredAnswer = { status: number; headers: Record<string, string>; body: unknown };
export type Reservation = { replay: StoredAnswer } | { reserved: { apiKeyId: string; key: string } };

function context(apiKeyId: string, key: string): string {
  return `idempotency:${apiKeyId}:${key}`;
}

export function requestFingerprint(method: string, path: string, body: string): string {
  return createHash("sha256").update(`${method} ${path}\n`).update(body).digest("hex");
}

export async function reserve(apiKeyId: string, key: string, fingerprint: string): Promise<Reservation> {
  if (!KEY_PATTERN.test(key)) {
    throw new ApiProblem(400, "invalid_idempotency_key", "The Idempotency-Key header is not valid.", "Use 1 to 255 visible ASCII characters, e.g. a UUID.");
  }
  const cutoff = new Date(Date.now() - IDEMPOTENCY_TTL_MS);
  await db.apiIdempotencyKey.deleteMany({ where: { apiKeyId, createdAt: { lt: cutoff } } });
  try {
    await db.apiIdempotencyKey.create({ data: { apiKeyId, key, requestHash: fingerprint } });
    return { reserved: { apiKeyId, key } };
  } catch (error) {
    if (!(error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002")) throw error;
  }
  const existing = await db.apiIdempotencyKey.findUnique({ where: { apiKeyId_key: { apiKeyId, key } } });
  // Gone between the insert and the read (its first request failed and let it go): the caller may retry.
  if (!existing) throw new ApiProblem(409, "idempotency_in_progress", "A request with this Idempotency-Key is being served.", "Retry in a moment.");
  if (existing.requestHash !== fingerprint) {
    throw new ApiProblem(422, "idempotency_key_reused", "This Idempotency-Key was used for another request.", "Each Idempotency-Key stands for one request (method, path and body); use a new key for a different request.");
  }
  if (existing.status === null || existing.response === null) {
    throw new ApiProblem(409, "idempotency_in_progress", "A request with this Idempotency-Key is being served.", "Retry when the first request has been answered.", undefined, { "retry-after": "1" });
  }
  return { replay: decryptJson<StoredAnswer>(existing.response, context(apiKeyId, key)) };
}

/** Keeps the answer for retries; a failure of Keyway's own (5xx) is not kept, so a retry runs again. */
export async function settle(reserved: { apiKeyId: string; key: string }, answer: StoredAnswer): Promise<void> {
  const where = { apiKeyId_key: reserved };
  if (answer.status >= 500) {
    await db.apiIdempotencyKey.delete({ where }).catch(() => undefined);
    return;
  }
  await db.apiIdempotencyKey.update({ where, data: { status: answer.status, response: encryptJson(answer, context(reserved.apiKeyId, reserved.key)) } });
}
