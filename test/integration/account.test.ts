import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let account: typeof import("@/lib/auth/account");
let sessions: typeof import("@/lib/auth/sessions");
let password: typeof import("@/lib/auth/password");
let db: typeof import("@/lib/db").db;

beforeAll(async () => {
  env = await useFreshAppDatabase("account");
  account = await import("@/lib/auth/account");
  sessions = await import("@/lib/auth/sessions");
  password = await import("@/lib/auth/password");
  db = (await import("@/lib/db")).db;
});
afterAll(async () => env?.close());

async function userWithPassword(prefix: string, plain: string) {
  const user = await makeUser(prefix);
  await db.user.update({ where: { id: user.id }, data: { passwordHash: await password.hashPassword(plain) } });
  return user;
}

describe("account", () => {
  it("a reset link is stored hashed, works once, and ends every session", async () => {
    const user = await userWithPassword("reset", "the old password here");
    const a = await sessions.openSession(user.id, { userAgent: "A", ip: "127.0.0.1" });
    await sessions.openSession(user.id, { userAgent: "B", ip: "127.0.0.2" });
    const first = await account.createPasswordReset(user.email.toUpperCase());
    const { token } = await account.createPasswordReset(user.email);
    const stored = await db.passwordReset.findMany({ where: { userId: user.id } });
    // The newer link replaced the unused older one; only the hash is kept.
    expect(stored).toHaveLength(1);
    expect(stored[0]!.tokenHash).toBe(createHash("sha256").update(token).digest("hex"));
    expect(JSON.stringify(stored)).not.toContain(token);
    await expect(account.resetPassword(first.token, "a fresh password now", null)).rejects.toMatchObject({ status: 410 });

    // Two clicks at once: one wins, the other is told the link is spent.
    const outcomes = await Promise.allSettled([account.resetPassword(token, "a fresh password now", "127.0.0.9"), account.resetPassword(token, "another fresh one!", "127.0.0.9")]);
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(1);
    expect(await sessions.liveSession(a)).toBeNull();
    expect(await db.session.count({ where: { userId: user.id } })).toBe(0);
    const saved = await db.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(await password.verifyPassword("the old password here", saved.passwordHash!)).toBe(false);
    const events = await db.auditEvent.findMany({ where: { teamId: user.personalTeam.id, action: "account.password_reset" } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ objectType: "account", objectId: user.id, ip: "127.0.0.9", data: { sessionsEnded: 2 } });
  });

  it("changing the password needs the current one and keeps only this session", async () => {
    const user = await userWithPassword("change", "the current password");
    const mine = await sessions.openSession(user.id, { userAgent: "mine" });
    const other = await sessions.openSession(user.id, { userAgent: "other" });
    await expect(account.changePassword(user.id, user.actor, mine, { currentPassword: "wrong password!!", newPassword: "the next password" })).rejects.toMatchObject({ field: "currentPassword" });
    expect(await sessions.liveSession(other)).not.toBeNull();
    await account.changePassword(user.id, user.actor, mine, { currentPassword: "the current password", newPassword: "the next password" });
    expect(await sessions.liveSession(other)).toBeNull();
    expect(await sessions.liveSession(mine)).not.toBeNull();
    expect(await db.auditEvent.count({ where: { teamId: user.personalTeam.id, action: "account.password_changed" } })).toBe(1);
  });

  it("lists and revokes only one's own sessions", async () => {
    const user = await makeUser("lister");
    const stranger = await makeUser("stranger");
    const mine = await sessions.openSession(user.id, { userAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0", ip: "192.0.2.1" });
    const second = await sessions.openSession(user.id, { userAgent: "curl/8", ip: "192.0.2.2" });
    const theirs = await sessions.openSession(stranger.id, {});
    const list = await account.listSessions(user.id, mine);
    expect(list.map((s) => [s.id, s.current])).toEqual([[mine, true], [second, false]]);
    await expect(account.revokeSession(user.id, user.actor, theirs)).rejects.toMatchObject({ status: 404 });
    expect(await sessions.liveSession(theirs)).not.toBeNull();
    expect(await account.revokeOtherSessions(user.id, user.actor, mine)).toBe(1);
    expect((await account.listSessions(user.id, mine)).map((s) => s.id)).toEqual([mine]);
    expect(await db.auditEvent.count({ where: { teamId: user.personalTeam.id, action: "account.sessions_revoked" } })).toBe(1);
  });
});
