import { createHash, randomBytes } from "node:crypto";
import { db } from "../db";
import { writeAudit, type AuditAction, type AuditActor } from "../audit";
import type { Prisma } from "../generated/prisma/client";
import { DomainError } from "../errors";
import { hashPassword, verifyPassword } from "./password";

// A person's own account: password, sessions, and the operator's reset link.
// Account events go to the audit log of every team the person belongs to, so
// each team's admins see that a member's password or sessions changed.

export const RESET_LINK_TTL_MS = 60 * 60 * 1000;

async function auditAccount(tx: Prisma.TransactionClient, userId: string, actor: AuditActor, action: AuditAction, data: Prisma.InputJsonObject = {}) {
  const [user, memberships] = await Promise.all([
    tx.user.findUniqueOrThrow({ where: { id: userId }, select: { email: true } }),
    tx.membership.findMany({ where: { userId }, select: { teamId: true } }),
  ]);
  for (const { teamId } of memberships) {
    await writeAudit(tx, { teamId, actor, action, objectType: "account", objectId: userId, objectName: user.email, data });
  }
}

export type SessionRow = { id: string; userAgent: string | null; ip: string | null; createdAt: Date; lastSeenAt: Date; current: boolean };

export async function listSessions(userId: string, currentSessionId: string | undefined): Promise<SessionRow[]> {
  const sessions = await db.session.findMany({
    where: { userId, expiresAt: { gt: new Date() } },
    orderBy: { lastSeenAt: "desc" },
    select: { id: true, userAgent: true, ip: true, createdAt: true, lastSeenAt: true },
  });
  return sessions.map((s) => ({ ...s, current: s.id === currentSessionId })).sort((a, b) => Number(b.current) - Number(a.current));
}

/** Ends one of the user's own sessions; another user's session id is the same as an unknown one. */
export async function revokeSession(userId: string, actor: AuditActor, sessionId: string) {
  await db.$transaction(async (tx) => {
    const { count } = await tx.session.deleteMany({ where: { id: sessionId, userId } });
    if (count === 0) throw new DomainError("That session has already ended.", 404);
    await auditAccount(tx, userId, actor, "account.sessions_revoked", { count });
  });
}

/** "Sign out everywhere else": every session but the one asking. */
export async function revokeOtherSessions(userId: string, actor: AuditActor, currentSessionId: string | undefined): Promise<number> {
  return db.$transaction(async (tx) => {
    const { count } = await tx.session.deleteMany({ where: { userId, ...(currentSessionId ? { id: { not: currentSessionId } } : {}) } });
    if (count > 0) await auditAccount(tx, userId, actor, "account.sessions_revoked", { count });
    return count;
  });
}

/** Needs the current password; signs out the user's other sessions, which whoever knew the old password may hold. */
export async function changePassword(userId: string, actor: AuditActor, currentSessionId: string | undefined, input: { currentPassword: string; newPassword: string }) {
  const user = await db.user.findUniqueOrThrow({ where: { id: userId }, select: { passwordHash: true } });
  if (!user.passwordHash) throw new DomainError("Your account signs in through single sign-on; its password is managed there.", 409);
  if (!(await verifyPassword(input.currentPassword, user.passwordHash))) throw new DomainError("Your current password is not right.", 400, "currentPassword");
  const passwordHash = await hashPassword(input.newPassword);
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: userId }, data: { passwordHash } });
    const { count } = await tx.session.deleteMany({ where: { userId, ...(currentSessionId ? { id: { not: currentSessionId } } : {}) } });
    await auditAccount(tx, userId, actor, "account.password_changed", { otherSessionsEnded: count });
  });
}

function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** For the operator command: a one-time token (only its hash is stored); earlier unused links of the user stop working. */
export async function createPasswordReset(email: string): Promise<{ token: string; expiresAt: Date; user: { id: string; email: string } }> {
  const user = await db.user.findUnique({ where: { email: email.trim().toLowerCase() }, select: { id: true, email: true } });
  if (!user) throw new DomainError(`No account has the email address ${email}.`, 404);
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(Date.now() + RESET_LINK_TTL_MS);
  await db.$transaction([
    db.passwordReset.deleteMany({ where: { userId: user.id, usedAt: null } }),
    db.passwordReset.create({ data: { userId: user.id, tokenHash: hashToken(token), expiresAt } }),
  ]);
  return { token, expiresAt, user };
}

/** Whether a link can still be used, for the page to say so before the form. */
export async function findPasswordReset(token: string): Promise<{ email: string } | null> {
  const reset = await db.passwordReset.findUnique({ where: { tokenHash: hashToken(token) }, select: { usedAt: true, expiresAt: true, user: { select: { email: true } } } });
  if (!reset || reset.usedAt || reset.expiresAt.getTime() <= Date.now()) return null;
  return { email: reset.user.email };
}

/** Spends the link (once, even under two clicks at once), sets the password and ends every session of the user. */
export async function resetPassword(token: string, newPassword: string, ip: string | null): Promise<{ email: string }> {
  const passwordHash = await hashPassword(newPassword);
  return db.$transaction(async (tx) => {
    const spent = await tx.passwordReset.updateManyAndReturn({
      where: { tokenHash: hashToken(token), usedAt: null, expiresAt: { gt: new Date() } },
      data: { usedAt: new Date() },
      select: { userId: true },
    });
    const userId = spent[0]?.userId;
    if (!userId) throw new DomainError("This reset link has expired or was already used. Ask your Keyway operator for a new one.", 410);
    const user = await tx.user.update({ where: { id: userId }, data: { passwordHash }, select: { email: true } });
    const { count } = await tx.session.deleteMany({ where: { userId } });
    await auditAccount(tx, userId, { id: userId, label: user.email, ip }, "account.password_reset", { sessionsEnded: count });
    return { email: user.email };
  });
}
