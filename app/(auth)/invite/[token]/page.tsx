import type { Metadata } from "next";
import { Time } from "@/components/time";
import { Alert, Card, LinkButton } from "@/components/ui";
import { ROLE_DESCRIPTION, ROLE_LABEL } from "@/lib/access-rules";
import { currentUser } from "@/lib/auth/session";
import { findInvitation } from "@/lib/teams";
import { AcceptInvitationForm } from "./accept-form";

export const metadata: Metadata = { title: "Invitation" };

export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const [invitation, user] = await Promise.all([findInvitation(token), currentUser()]);
  const here = `/invite/${token}`;

  if (!invitation) {
    return (
      <Card>
        <h1 className="mb-3 text-xl font-semibold">Invitation not found</h1>
        <Alert>This invitation link is not valid. Check that you copied the whole link, or ask the team&apos;s admin for a new one.</Alert>
      </Card>
    );
  }
  if (invitation.state !== "pending") {
    const reasons = {
      accepted: "This invitation has already been used. Each link works once; ask the team's admin for a new one.",
      expired: (
        <>
          This invitation expired <Time date={invitation.expiresAt} />. Ask the team&apos;s admin for a new link.
        </>
      ),
      revoked: "This invitation was withdrawn by the team. Ask the team's admin for a new link.",
    } as const;
    return (
      <Card>
        <h1 className="mb-3 text-xl font-semibold">Invitation to {invitation.teamName}</h1>
        <Alert>{reasons[invitation.state]}</Alert>
      </Card>
    );
  }
  return (
    <Card>
      <h1 className="mb-1 text-xl font-semibold text-slate-900">Join {invitation.teamName}</h1>
      <p className="text-sm text-slate-600">
        {invitation.invitedBy} invited you to join as <strong className="font-medium text-slate-800">{ROLE_LABEL[invitation.role]}</strong>.{" "}
        {ROLE_LABEL[invitation.role]}: {ROLE_DESCRIPTION[invitation.role]}
      </p>
      <p className="mt-2 text-sm text-slate-600">The link works once and expires <Time date={invitation.expiresAt} />.
      </p>
      <div className="mt-5">
        {user ? (
          <AcceptInvitationForm token={token} email={user.email} />
        ) : (
          <div className="flex flex-col gap-2">
            <LinkButton href={`/signup?callbackUrl=${encodeURIComponent(here)}`}>Create an account to join</LinkButton>
            <LinkButton variant="secondary" href={`/signin?callbackUrl=${encodeURIComponent(here)}`}>
              I already have an account
            </LinkButton>
          </div>
        )}
      </div>
    </Card>
  );
}
