import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let teams: typeof import("@/lib/teams");

beforeAll(async () => {
  env = await useFreshAppDatabase("invitations");
  teams = await import("@/lib/teams");
});
afterAll(async () => env?.close());

async function invite(role: "ADMIN" | "MEMBER" | "VIEWER" = "MEMBER", email?: string) {
  const owner = await makeUser("inviter");
  const made = await teams.createInvitation(owner.personalTeam.id, { userId: owner.id, role: "OWNER", actor: owner.actor }, { role, email });
  return { owner, ...made };
}

describe("invitations", () => {
  it("stores only a hash of the token, and expires 7 days after creation", async () => {
    const { invitation, token } = await invite();
    const row = await env.db.invitation.findUniqueOrThrow({ where: { id: invitation.id } });
    expect(row.tokenHash).not.toContain(token);
    expect(row.tokenHash).toBe(teams.hashInvitationToken(token));
    const lifetime = row.expiresAt.getTime() - row.createdAt.getTime();
    expect(Math.abs(lifetime - 7 * 24 * 3600 * 1000)).toBeLessThan(5000);
  });

  it("works once: the second use is refused and adds nobody", async () => {
    const { owner, token } = await invite("VIEWER");
    const first = await makeUser("first-taker");
    const second = await makeUser("second-taker");
    await teams.acceptInvitation(token, first, null);
    await expect(teams.acceptInvitation(token, second, null)).rejects.toMatchObject({ status: 410, message: expect.stringMatching(/already been used/) });
    const members = await env.db.membership.findMany({ where: { teamId: owner.personalTeam.id } });
    expect(members.map((m) => [m.userId, m.role]).sort()).toEqual([[first.id, "VIEWER"], [owner.id, "OWNER"]].sort());
  });

  it("is single use even when two people accept at the same moment", async () => {
    const { owner, token } = await invite();
    const takers = await Promise.all([makeUser("racer-1"), makeUser("racer-2"), makeUser("racer-3")]);
    const results = await Promise.allSettled(takers.map((t) => teams.acceptInvitation(token, t, null)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await env.db.membership.count({ where: { teamId: owner.personalTeam.id } })).toBe(2);
  });

  it("is refused after it expires", async () => {
    const { owner, invitation, token } = await invite();
    await env.db.invitation.update({ where: { id: invitation.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const late = await makeUser("late");
    await expect(teams.acceptInvitation(token, late, null)).rejects.toMatchObject({ status: 410, message: expect.stringMatching(/expired/) });
    expect(await env.db.membership.count({ where: { teamId: owner.personalTeam.id } })).toBe(1);
    expect((await teams.findInvitation(token))?.state).toBe("expired");
  });

  it("is refused after it is withdrawn, and for an unknown token", async () => {
    const { owner, invitation, token } = await invite();
    await teams.revokeInvitation(owner.personalTeam.id, { userId: owner.id, role: "OWNER", actor: owner.actor }, invitation.id);
    const someone = await makeUser("someone");
    await expect(teams.acceptInvitation(token, someone, null)).rejects.toMatchObject({ status: 410 });
    await expect(teams.acceptInvitation("not-a-token", someone, null)).rejects.toMatchObject({ status: 404 });
  });

  it("binds to the invited email when one was given", async () => {
    const invited = await makeUser("invited");
    const { token } = await invite("MEMBER", invited.email);
    const stranger = await makeUser("stranger");
    await expect(teams.acceptInvitation(token, stranger, null)).rejects.toMatchObject({ status: 403 });
    await expect(teams.acceptInvitation(token, invited, null)).resolves.toBeDefined();
  });

  it("lets only owners invite owners", async () => {
    const owner = await makeUser("owner-inviter");
    await expect(
      teams.createInvitation(owner.personalTeam.id, { userId: owner.id, role: "ADMIN", actor: owner.actor }, { role: "OWNER" }),
    ).rejects.toMatchObject({ status: 403 });
  });
});
