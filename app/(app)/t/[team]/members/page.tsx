import type { Metadata } from "next";
import { Time } from "@/components/time";
import { Alert, Badge, Card, LinkButton, PageHeader } from "@/components/ui";
import { requireMember } from "@/lib/access";
import { ROLE_LABEL, roleAtLeast } from "@/lib/access-rules";
import type { Role } from "@/lib/db";
import { membersOf, pendingInvitations } from "@/lib/teams";
import { RemoveMemberButton, RevokeInvitationButton, RoleForm } from "./member-forms";

export const metadata: Metadata = { title: "Members" };

const ROLE_TONE: Record<Role, "brand" | "green" | "slate" | "amber"> = { OWNER: "brand", ADMIN: "green", MEMBER: "slate", VIEWER: "amber" };

export default async function MembersPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<{ created?: string }> }) {
  const { team: slug } = await params;
  const { created } = await searchParams;
  const { team, membership, user } = await requireMember(slug);
  const isAdmin = roleAtLeast(membership.role, "ADMIN");
  const [members, invitations] = await Promise.all([membersOf(team.id), isAdmin ? pendingInvitations(team.id) : Promise.resolve([])]);
  const assignable: Role[] = membership.role === "OWNER" ? ["OWNER", "ADMIN", "MEMBER", "VIEWER"] : ["ADMIN", "MEMBER", "VIEWER"];

  return (
    <>
      <PageHeader
        title="Members"
        description={`${members.length} ${members.length === 1 ? "person has" : "people have"} access to ${team.name}. Owners and admins manage who is in the team and what they may do.`}
        actions={isAdmin ? <LinkButton href={`/t/${slug}/members/invite`}>Invite people</LinkButton> : null}
      />
      {created && membership.role === "OWNER" ? (
        <div className="mb-4">
          <Alert tone="green" title={`Team “${team.name}” created`}>
            You are its owner. Invite the people who should share its connections, or add its first connection.
          </Alert>
        </div>
      ) : null}
      <Card className="overflow-visible">
        <ul className="-my-4 divide-y divide-slate-200" aria-label="Team members">
          {members.map((m) => {
            const isSelf = m.user.id === user.id;
            const canManage = isAdmin && !isSelf && (m.role !== "OWNER" || membership.role === "OWNER");
            return (
              <li key={m.id} className="flex flex-col gap-3 py-4 sm:flex-row sm:items-center sm:justify-between">
                <div className="min-w-0">
                  <p className="truncate text-sm font-medium text-slate-900">
                    {m.user.name} {isSelf ? <span className="font-normal text-slate-600">(you)</span> : null}
                  </p>
                  <p className="truncate text-sm text-slate-600">{m.user.email}</p>
                  <p className="text-xs text-slate-600">Joined <Time date={m.createdAt} /></p>
                </div>
                <div className="flex flex-wrap items-center gap-2">
                  {canManage ? (
                    <RoleForm teamSlug={slug} membershipId={m.id} current={m.role} roles={assignable.includes(m.role) ? assignable : [m.role, ...assignable]} who={m.user.email} />
                  ) : (
                    <Badge tone={ROLE_TONE[m.role]}>{ROLE_LABEL[m.role]}</Badge>
                  )}
                  {canManage ? <RemoveMemberButton teamSlug={slug} membershipId={m.id} who={m.user.name} /> : null}
                </div>
              </li>
            );
          })}
        </ul>
      </Card>

      {isAdmin ? (
        <div className="mt-6">
          <Card title="Pending invitations" description="Each link works once and expires 7 days after it was made.">
            {invitations.length === 0 ? (
              <p className="text-sm text-slate-600">No pending invitations.</p>
            ) : (
              <ul className="-my-4 divide-y divide-slate-200" aria-label="Pending invitations">
                {invitations.map((invitation) => (
                  <li key={invitation.id} className="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between">
                    <div className="min-w-0 text-sm">
                      <p className="font-medium text-slate-900">
                        {invitation.email ?? "Anyone with the link"} · {ROLE_LABEL[invitation.role]}
                      </p>
                      <p className="text-xs text-slate-600">
                        Invited by {invitation.createdBy.name} <Time date={invitation.createdAt} />, expires <Time date={invitation.expiresAt} />
                      </p>
                    </div>
                    <RevokeInvitationButton teamSlug={slug} invitationId={invitation.id} />
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
      ) : null}
    </>
  );
}
