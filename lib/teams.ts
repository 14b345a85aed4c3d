import { createHash, randomBytes } from "node:crypto";
import { db } from "./db";
import type { Prisma } from "./generated/prisma/client";
import type { Role } from "./generated/prisma/enums";
import { writeAudit, type AuditActor } from "./audit";
import { DomainError } from "./errors";
import { ROLE_LABEL, roleAtLeast } from "./access-rules";

type Tx = Prisma.TransactionClient;

export const INVITATION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

function slugBase(name: string): string {
  const base = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/g, "");
  return base || "team";
}

async function uniqueSlug(tx: Tx, name: string): Promise<string> {
  const base = slugBase(name);
  if (!(await tx.team.findUnique({ where: { slug: base }, select: { id: true } }))) return base;
  for (let attempt = 0; attempt < 10; attempt++) {
    const candidate = `${base}-${randomBytes(3).toString("hex")}`;
    if (!(await tx.team.findUnique({ where: { slug: candidate }, select: { id: true } }))) return candidate;
  }
  throw new Error("Could not find a free team slug");
}

async function createTeamIn(tx: Tx, ownerId: string, actor: AuditActor, name: string, personal: boolean) {
  const team = await tx.team.create({ data: { name, personal, slug: await uniqueSlug(tx, name) } });
  await tx.membership.create({ data: { teamId: team.id, userId: ownerId, role: "OWNER" } });
  await writeAudit(tx, { teamId: team.id, actor, action: "team.created", objectType: "team", objectId: team.id, objectName: name, data: { personal } });
  return team;
}

export async function createUserWithPersonalTeam(input: { name: string; email: string; passwordHash: string | null; ip?: string | null }) {
  return db.$transaction(async (tx) => {
    const user = await tx.user.create({ data: { name: input.name, email: input.email, passwordHash: input.passwordHash } });
    const firstName = input.name.split(/\s+/)[0] || input.name;
    const team = await createTeamIn(tx, user.id, { id: user.id, label: user.email, ip: input.ip }, `${firstName}'s team`, true);
    return { user, team };
  });
}

export async function createTeam(ownerId: string, actor: AuditActor, name: string) {
  return db.$transaction((tx) => createTeamIn(tx, ownerId, actor, name, false));
}

export async function teamsOf(userId: string) {
  const memberships = await db.membership.findMany({
    where: { userId },
    select: { role: true, team: { select: { id: true, slug: true, name: true, personal: true } } },
    orderBy: [{ team: { personal: "desc" } }, { createdAt: "asc" }],
  });
  return memberships.map((m) => ({ ...m.team, role: m.role }));
}

export async function renameTeam(teamId: string, actor: AuditActor, name: string) {
  await db.$transaction(async (tx) => {
    const before = await tx.team.update({ where: { id: teamId }, data: { name }, select: { name: true } });
    await writeAudit(tx, { teamId, actor, action: "team.renamed", objectType: "team", objectId: teamId, objectName: name, data: { name } });
    return before;
  });
}

export async function deleteTeam(teamId: string, actor: AuditActor) {
  await db.$transaction(async (tx) => {
    const team = await tx.team.findUniqueOrThrow({ where: { id: teamId }, select: { name: true, slug: true } });
    await writeAudit(tx, { teamId, actor, action: "team.deleted", objectType: "team", objectId: teamId, objectName: team.name, data: { slug: team.slug } });
    await tx.team.delete({ where: { id: teamId } });
  });
}

// Membership changes of one team are serialised on the team's row, so two
// admins acting at once cannot both demote "the other" last owner.
async function lockTeam(tx: Tx, teamId: string) {
  await tx.$queryRaw`SELECT id FROM "Team" WHERE id = ${teamId} FOR UPDATE`;
}

async function ownerCount(tx: Tx, teamId: string) {
  return tx.membership.count({ where: { teamId, role: "OWNER" } });
}

type Acting = { userId: string; role: Role; actor: AuditActor };

export async function changeRole(teamId: string, acting: Acting, membershipId: string, role: Role) {
  return db.$transaction(async (tx) => {
    await lockTeam(tx, teamId);
    const target = await tx.membership.findFirst({ where: { id: membershipId, teamId }, include: { user: { select: { email: true } } } });
    if (!target) throw new DomainError("That member is not in this team.", 404);
    if (!roleAtLeast(acting.role, "ADMIN")) throw new DomainError("Only admins and owners can change roles.", 403);
    if ((target.role === "OWNER" || role === "OWNER") && acting.role !== "OWNER") {
      throw new DomainError("Only an owner can make someone an owner or change an owner's role.", 403);
    }
    if (target.role === role) return target;
    if (target.role === "OWNER" && (await ownerCount(tx, teamId)) <= 1) {
      throw new DomainError("A team needs at least one owner. Make someone else an owner first.", 409);
    }
    const updated = await tx.membership.update({ where: { id: target.id }, data: { role } });
    await writeAudit(tx, {
      teamId,
      actor: acting.actor,
      action: "member.role_changed",
      objectType: "member",
      objectId: target.userId,
      objectName: target.user.email,
      data: { from: target.role, to: role },
    });
    return updated;
  });
}

export async function removeMember(teamId: string, acting: Acting, membershipId: string) {
  await db.$transaction(async (tx) => {
    await lockTeam(tx, teamId);
    const target = await tx.membership.findFirst({ where: { id: membershipId, teamId }, include: { user: { select: { email: true } } } });
    if (!target) throw new DomainError("That member is not in this team.", 404);
    const leaving = target.userId === acting.userId;
    if (!leaving) {
      if (!roleAtLeast(acting.role, "ADMIN")) throw new DomainError("Only admins and owners can remove members.", 403);
      if (target.role === "OWNER" && acting.role !== "OWNER") throw new DomainError("Only an owner can remove an owner.", 403);
    }
    if (target.role === "OWNER" && (await ownerCount(tx, teamId)) <= 1) {
      throw new DomainError(
        leaving
          ? "You are the last owner. Make someone else an owner before you leave, or delete the team."
          : "A team needs at least one owner.",
        409,
      );
    }
    await tx.membership.delete({ where: { id: target.id } });
    await writeAudit(tx, {
      teamId,
      actor: acting.actor,
      action: leaving ? "member.left" : "member.removed",
      objectType: "member",
      objectId: target.userId,
      objectName: target.user.email,
      data: { role: target.role },
    });
  });
}

export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export async function createInvitation(teamId: string, acting: Acting, input: { role: Role; email?: string }) {
  if (!roleAtLeast(acting.role, "ADMIN")) throw new DomainError("Only admins and owners can invite.", 403);
  if (input.role === "OWNER" && acting.role !== "OWNER") throw new DomainError("Only an owner can invite an owner.", 403, "role");
  const token = randomBytes(32).toString("base64url");
  const invitation = await db.$transaction(async (tx) => {
    const created = await tx.invitation.create({
      data: {
        teamId,
        role: input.role,
        email: input.email ?? null,
        tokenHash: hashInvitationToken(token),
        createdById: acting.userId,
        expiresAt: new Date(Date.now() + INVITATION_LIFETIME_MS),
      },
    });
    await writeAudit(tx, {
      teamId,
      actor: acting.actor,
      action: "member.invited",
      objectType: "invitation",
      objectId: created.id,
      objectName: input.email ?? null,
      data: { role: input.role, expiresAt: created.expiresAt.toISOString() },
    });
    return created;
  });
  return { invitation, token };
}

export async function revokeInvitation(teamId: string, acting: Acting, invitationId: string) {
  if (!roleAtLeast(acting.role, "ADMIN")) throw new DomainError("Only admins and owners can revoke invitations.", 403);
  await db.$transaction(async (tx) => {
    const revoked = await tx.invitation.updateMany({
      where: { id: invitationId, teamId, acceptedAt: null, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    if (revoked.count === 0) throw new DomainError("That invitation is not pending any more.", 404);
    await writeAudit(tx, { teamId, actor: acting.actor, action: "member.invitation_revoked", objectType: "invitation", objectId: invitationId });
  });
}

export type InvitationView = {
  teamName: string;
  teamSlug: string;
  role: Role;
  invitedBy: string;
  state: "pending" | "accepted" | "expired" | "revoked";
  expiresAt: Date;
};

export async function findInvitation(token: string): Promise<InvitationView | null> {
  const invitation = await db.invitation.findUnique({
    where: { tokenHash: hashInvitationToken(token) },
    include: { team: { select: { name: true, slug: true } }, createdBy: { select: { name: true, email: true } } },
  });
  if (!invitation) return null;
  const state = invitation.acceptedAt
    ? "accepted"
    : invitation.revokedAt
      ? "revoked"
      : invitation.expiresAt.getTime() <= Date.now()
        ? "expired"
        : "pending";
  return {
    teamName: invitation.team.name,
    teamSlug: invitation.team.slug,
    role: invitation.role,
    invitedBy: invitation.createdBy.name || invitation.createdBy.email,
    state,
    expiresAt: invitation.expiresAt,
  };
}

const INVITATION_REFUSALS: Record<Exclude<InvitationView["state"], "pending">, string> = {
  accepted: "This invitation has already been used. Ask the team's admin for a new link.",
  expired: "This invitation has expired. Invitations last 7 days; ask the team's admin for a new link.",
  revoked: "This invitation was withdrawn by the team. Ask the team's admin for a new link.",
};

/**
 * Single use even under concurrency: the conditional UPDATE lets exactly one
 * accepting transaction claim a pending, unexpired invitation.
 */
export async function acceptInvitation(token: string, user: { id: string; email: string }, ip: string | null) {
  return db.$transaction(async (tx) => {
    const invitation = await tx.invitation.findUnique({
      where: { tokenHash: hashInvitationToken(token) },
      include: { team: { select: { id: true, slug: true, name: true } } },
    });
    if (!invitation) throw new DomainError("This invitation link is not valid. Check that you copied the whole link.", 404);
    if (invitation.email && invitation.email !== user.email.toLowerCase()) {
      throw new DomainError(`This invitation is for ${invitation.email}. Sign in with that account to accept it.`, 403);
    }
    const existing = await tx.membership.findUnique({ where: { teamId_userId: { teamId: invitation.teamId, userId: user.id } } });
    if (existing) throw new DomainError(`You are already a member of ${invitation.team.name}.`, 409);
    const claimed = await tx.invitation.updateMany({
      where: { id: invitation.id, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
      data: { acceptedAt: new Date(), acceptedById: user.id },
    });
    if (claimed.count === 0) {
      const view = await findInvitationState(tx, invitation.id);
      throw new DomainError(INVITATION_REFUSALS[view], 410);
    }
    await tx.membership.create({ data: { teamId: invitation.teamId, userId: user.id, role: invitation.role } });
    await writeAudit(tx, {
      teamId: invitation.teamId,
      actor: { id: user.id, label: user.email, ip },
      action: "member.joined",
      objectType: "member",
      objectId: user.id,
      objectName: user.email,
      data: { role: invitation.role, invitationId: invitation.id },
    });
    return invitation.team;
  });
}

async function findInvitationState(tx: Tx, id: string): Promise<Exclude<InvitationView["state"], "pending">> {
  const row = await tx.invitation.findUniqueOrThrow({ where: { id } });
  if (row.acceptedAt) return "accepted";
  if (row.revokedAt) return "revoked";
  return "expired";
}

export { ROLE_LABEL };

export async function membersOf(teamId: string) {
  return db.membership.findMany({
    where: { teamId },
    select: { id: true, role: true, createdAt: true, user: { select: { id: true, name: true, email: true } } },
    orderBy: [{ createdAt: "asc" }],
  });
}

export async function pendingInvitations(teamId: string) {
  return db.invitation.findMany({
    where: { teamId, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } },
    select: { id: true, role: true, email: true, createdAt: true, expiresAt: true, createdBy: { select: { name: true, email: true } } },
    orderBy: { createdAt: "desc" },
  });
}
