import type { Metadata } from "next";
import { Card, PageHeader } from "@/components/ui";
import { requireMember } from "@/lib/access";
import { db } from "@/lib/db";
import { roleAtLeast } from "@/lib/access-rules";
import { DeleteTeamForm, LeaveTeamForm, RenameTeamForm } from "./settings-forms";

export const metadata: Metadata = { title: "Team settings" };

export default async function SettingsPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { team, membership } = await requireMember(slug);
  const isAdmin = roleAtLeast(membership.role, "ADMIN");
  // The server refuses the last owner's leaving anyway; say so before they try.
  const soleOwner = membership.role === "OWNER" && (await db.membership.count({ where: { teamId: team.id, role: "OWNER" } })) === 1;
  return (
    <>
      <PageHeader title="Team settings" description={`Settings of ${team.name}. Its address is /t/${team.slug}.`} />
      <div className="space-y-6">
        <Card title="Team name" description={isAdmin ? "Shown in the team switcher and to people you invite." : "Only admins and owners can rename the team."}>
          <RenameTeamForm teamSlug={slug} name={team.name} disabled={!isAdmin} />
        </Card>
        <Card
          title="Leave team"
          description={
            soleOwner
              ? "You are the only owner. Make another member an owner on the Members page first, or delete the team."
              : "You lose access to this team's connections. An admin can invite you again."
          }
        >
          {soleOwner ? null : <LeaveTeamForm teamSlug={slug} membershipId={membership.id} />}
        </Card>
        {membership.role === "OWNER" ? (
          <Card title="Delete team" description="Deletes the team, its members' access and everything it holds. Its audit history is kept. This cannot be undone.">
            <DeleteTeamForm teamSlug={slug} />
          </Card>
        ) : null}
      </div>
    </>
  );
}
