import { cache } from "react";
import { forbidden, notFound, redirect } from "next/navigation";
import { headers } from "next/headers";
import type { Role } from "./generated/prisma/enums";
import { currentUser, type SessionUser } from "./auth/session";
import { clientIp } from "./request-ip";
import type { AuditActor } from "./audit";
import { AccessError, checkMember, findTeamAccess, type TeamAccess } from "./access-rules";
import { recordId } from "./schemas/ids";

export { ROLE_LABEL, ROLE_RANK, roleAtLeast } from "./access-rules";

// The layout and the page of one request both ask; one query answers both.
// Server actions get a fresh cache per invocation, so a role change is seen at once.
const findTeamAccessOncePerRequest = cache(findTeamAccess);

export type MemberContext = TeamAccess & { user: SessionUser; actor: AuditActor };

/**
 * Every page, server action and route inside a team starts here. Signed out:
 * off to sign-in. Not a member (or no such team): 404. Role too low: 403.
 */
export async function requireMember(teamSlug: string, minimumRole: Role = "VIEWER"): Promise<MemberContext> {
  // From a URL or an action's argument: a malformed slug is no team, before it reaches a query.
  if (!recordId().safeParse(teamSlug).success) notFound();
  const user = await currentUser();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(`/t/${teamSlug}`)}`);
  try {
    const access = await checkMember(user.id, teamSlug, minimumRole, findTeamAccessOncePerRequest);
    const ip = clientIp(await headers());
    return { ...access, user, actor: { id: user.id, label: user.email, ip } };
  } catch (error) {
    if (error instanceof AccessError) {
      if (error.status === 404) notFound();
      forbidden();
    }
    throw error;
  }
}
