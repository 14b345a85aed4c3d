import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { addMember, makeUser } from "../support/fixtures";
import type { Role } from "@/lib/generated/prisma/enums";

const ROLES: Role[] = ["OWNER", "ADMIN", "MEMBER", "VIEWER"];
const RANK: Record<Role, number> = { VIEWER: 0, MEMBER: 1, ADMIN: 2, OWNER: 3 };

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let access: typeof import("@/lib/access-rules");
let teams: typeof import("@/lib/teams");
let errors: typeof import("@/lib/errors");

beforeAll(async () => {
  env = await useFreshAppDatabase("access");
  access = await import("@/lib/access-rules");
  teams = await import("@/lib/teams");
  errors = await import("@/lib/errors");
});
afterAll(async () => env?.close());

async function outcome(promise: Promise<unknown>): Promise<"allowed" | 403 | 404> {
  try {
    await promise;
    return "allowed";
  } catch (error) {
    if (error instanceof access.AccessError) return error.status;
    throw error;
  }
}

describe("requireMember's role check (checkMember)", () => {
  it("allows exactly the roles at or above the minimum, for every pair", async () => {
    const owner = await makeUser("matrix-owner");
    const team = await teams.createTeam(owner.id, owner.actor, "Matrix team");
    const holders: Record<Role, string> = { OWNER: owner.id, ADMIN: "", MEMBER: "", VIEWER: "" };
    for (const role of ["ADMIN", "MEMBER", "VIEWER"] as const) {
      const user = await makeUser(`matrix-${role.toLowerCase()}`);
      await addMember(team.id, user.id, role);
      holders[role] = user.id;
    }
    const table: string[] = [];
    for (const held of ROLES) {
      for (const minimum of ROLES) {
        const result = await outcome(access.checkMember(holders[held], team.slug, minimum));
        const expected = RANK[held] >= RANK[minimum] ? "allowed" : 403;
        table.push(`${held}>=${minimum}:${result}`);
        expect(result, `${held} asking for ${minimum}`).toBe(expected);
      }
    }
    expect(table).toHaveLength(16);
  });

  it("answers 404, not 403, to a non-member and for a team that does not exist", async () => {
    const a = await makeUser("team-a");
    const b = await makeUser("team-b");
    for (const minimum of ROLES) {
      expect(await outcome(access.checkMember(a.id, b.personalTeam.slug, minimum))).toBe(404);
    }
    expect(await outcome(access.checkMember(a.id, "no-such-team", "VIEWER"))).toBe(404);
  });
});

describe("cross-team ids", () => {
  it("refuses another team's membership and invitation ids with 404 and changes nothing", async () => {
    const a = await makeUser("cross-a");
    const b = await makeUser("cross-b");
    const bMember = await makeUser("cross-b-member");
    const bMembership = await addMember(b.personalTeam.id, bMember.id, "MEMBER");
    const { invitation } = await teams.createInvitation(b.personalTeam.id, { userId: b.id, role: "OWNER", actor: b.actor }, { role: "MEMBER" });
    const actingA = { userId: a.id, role: "OWNER" as const, actor: a.actor };

    // One at a time: a rejection that nobody awaits yet would be reported as unhandled.
    const attempts = [
      () => teams.changeRole(a.personalTeam.id, actingA, bMembership.id, "VIEWER"),
      () => teams.removeMember(a.personalTeam.id, actingA, bMembership.id),
      () => teams.revokeInvitation(a.personalTeam.id, actingA, invitation.id),
    ];
    for (const attempt of attempts) {
      await expect(attempt()).rejects.toMatchObject({ status: 404 });
    }
    const after = await env.db.membership.findUniqueOrThrow({ where: { id: bMembership.id } });
    expect(after.role).toBe("MEMBER");
    const invitationAfter = await env.db.invitation.findUniqueOrThrow({ where: { id: invitation.id } });
    expect(invitationAfter.revokedAt).toBeNull();
    expect(errors.DomainError).toBeDefined();
  });
});

describe("owners", () => {
  it("keeps at least one owner: the last owner can neither be demoted nor leave", async () => {
    const owner = await makeUser("last-owner");
    const team = await teams.createTeam(owner.id, owner.actor, "Last owner team");
    const membership = await env.db.membership.findFirstOrThrow({ where: { teamId: team.id, userId: owner.id } });
    const acting = { userId: owner.id, role: "OWNER" as const, actor: owner.actor };
    await expect(teams.changeRole(team.id, acting, membership.id, "ADMIN")).rejects.toMatchObject({ status: 409 });
    await expect(teams.removeMember(team.id, acting, membership.id)).rejects.toMatchObject({ status: 409 });
    expect((await env.db.membership.findUniqueOrThrow({ where: { id: membership.id } })).role).toBe("OWNER");
  });

  it("lets only one of two owners demote the other when both act at once", async () => {
    const first = await makeUser("owner-one");
    const second = await makeUser("owner-two");
    const team = await teams.createTeam(first.id, first.actor, "Two owners");
    const secondMembership = await addMember(team.id, second.id, "OWNER");
    const firstMembership = await env.db.membership.findFirstOrThrow({ where: { teamId: team.id, userId: first.id } });
    const results = await Promise.allSettled([
      teams.changeRole(team.id, { userId: first.id, role: "OWNER", actor: first.actor }, secondMembership.id, "MEMBER"),
      teams.changeRole(team.id, { userId: second.id, role: "OWNER", actor: second.actor }, firstMembership.id, "MEMBER"),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(await env.db.membership.count({ where: { teamId: team.id, role: "OWNER" } })).toBe(1);
  });

  it("does not let an admin make owners or touch an owner", async () => {
    const owner = await makeUser("adm-owner");
    const admin = await makeUser("adm-admin");
    const other = await makeUser("adm-other");
    const team = await teams.createTeam(owner.id, owner.actor, "Admin limits");
    await addMember(team.id, admin.id, "ADMIN");
    const otherMembership = await addMember(team.id, other.id, "MEMBER");
    const ownerMembership = await env.db.membership.findFirstOrThrow({ where: { teamId: team.id, userId: owner.id } });
    const acting = { userId: admin.id, role: "ADMIN" as const, actor: admin.actor };
    await expect(teams.changeRole(team.id, acting, otherMembership.id, "OWNER")).rejects.toMatchObject({ status: 403 });
    await expect(teams.changeRole(team.id, acting, ownerMembership.id, "VIEWER")).rejects.toMatchObject({ status: 403 });
    await expect(teams.removeMember(team.id, acting, ownerMembership.id)).rejects.toMatchObject({ status: 403 });
    await expect(teams.changeRole(team.id, acting, otherMembership.id, "VIEWER")).resolves.toMatchObject({ role: "VIEWER" });
  });

  it("records each membership change in the audit log, in the same transaction", async () => {
    const owner = await makeUser("audit-owner");
    const member = await makeUser("audit-member");
    const team = await teams.createTeam(owner.id, owner.actor, "Audited");
    const membership = await addMember(team.id, member.id, "MEMBER");
    await teams.changeRole(team.id, { userId: owner.id, role: "OWNER", actor: owner.actor }, membership.id, "VIEWER");
    const events = await env.db.auditEvent.findMany({ where: { teamId: team.id }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["team.created", "member.role_changed"]);
    expect(events[1]).toMatchObject({ actorId: owner.id, objectId: member.id, data: { from: "MEMBER", to: "VIEWER" } });
  });
});
