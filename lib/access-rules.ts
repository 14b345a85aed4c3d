import { db } from "./db";
import type { Role } from "./generated/prisma/enums";

// The one place roles are compared. A higher rank includes everything below it.
export const ROLE_RANK: Record<Role, number> = { VIEWER: 0, MEMBER: 1, ADMIN: 2, OWNER: 3 };

export const ROLE_LABEL: Record<Role, string> = { OWNER: "Owner", ADMIN: "Admin", MEMBER: "Member", VIEWER: "Viewer" };

export const ROLE_DESCRIPTION: Record<Role, string> = {
  OWNER: "Everything, including deleting the team and managing owners.",
  ADMIN: "Also manages members, OAuth clients, API keys, agents and the team's name, and reads the audit log.",
  MEMBER: "Creates, edits and uses connections, choosing among the team's OAuth clients.",
  VIEWER: "Reads connections and their history; changes nothing.",
};

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[minimum];
}

export type TeamAccess = {
  team: { id: string; slug: string; name: string; personal: boolean };
  membership: { id: string; role: Role };
};

export class AccessError extends Error {
  constructor(
    readonly status: 404 | 403,
    readonly minimumRole?: Role,
  ) {
    super(status === 404 ? "Not found" : `This needs the ${ROLE_LABEL[minimumRole ?? "VIEWER"]} role or higher.`);
    this.name = "AccessError";
  }
}

/**
 * The core of requireMember, free of Next.js: a team the user does not belong
 * to is indistinguishable from one that does not exist (404); a member whose
 * role is too low gets 403.
 */
export async function checkMember(
  userId: string,
  teamSlug: string,
  minimumRole: Role,
  find: (userId: string, teamSlug: string) => Promise<TeamAccess | null> = findTeamAccess,
): Promise<TeamAccess> {
  const access = await find(userId, teamSlug);
  if (!access) throw new AccessError(404);
  if (!roleAtLeast(access.membership.role, minimumRole)) throw new AccessError(403, minimumRole);
  return access;
}

export async function findTeamAccess(userId: string, teamSlug: string): Promise<TeamAccess | null> {
  const membership = await db.membership.findFirst({
    where: { userId, team: { slug: teamSlug } },
    select: { id: true, role: true, team: { select: { id: true, slug: true, name: true, personal: true } } },
  });
  return membership ? { team: membership.team, membership: { id: membership.id, role: membership.role } } : null;
}
