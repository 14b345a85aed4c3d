import { randomBytes } from "node:crypto";
import { db } from "../db";

export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;
// Touch lastSeenAt at most this often, so reading a page is not a write.
const TOUCH_INTERVAL_MS = 5 * 60 * 1000;

export async function openSession(userId: string, details: { userAgent?: string | null; ip?: string | null }) {
  const id = randomBytes(24).toString("base64url");
  await db.session.create({
    data: {
      id,
      userId,
      expiresAt: new Date(Date.now() + SESSION_MAX_AGE_SECONDS * 1000),
      userAgent: details.userAgent?.slice(0, 300) ?? null,
      ip: details.ip ?? null,
    },
  });
  return id;
}

export type LiveSession = { userId: string; email: string; name: string };

/** A JWT is only as good as its session row: signed out, expired or disabled means no session, on every instance. */
export async function liveSession(sessionId: string): Promise<LiveSession | null> {
  const session = await db.session.findUnique({
    where: { id: sessionId },
    select: { expiresAt: true, lastSeenAt: true, user: { select: { id: true, email: true, name: true, disabledAt: true } } },
  });
  if (!session || session.user.disabledAt || session.expiresAt.getTime() <= Date.now()) return null;
  if (Date.now() - session.lastSeenAt.getTime() > TOUCH_INTERVAL_MS) {
    await db.session.updateMany({ where: { id: sessionId }, data: { lastSeenAt: new Date() } });
  }
  return { userId: session.user.id, email: session.user.email, name: session.user.name };
}

export async function closeSession(sessionId: string) {
  await db.session.deleteMany({ where: { id: sessionId } });
}
