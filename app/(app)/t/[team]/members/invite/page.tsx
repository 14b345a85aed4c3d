import type { Metadata } from "next";
import { Card, PageHeader } from "@/components/ui";
import { requireMember } from "@/lib/access";
import { ROLE_DESCRIPTION } from "@/lib/access-rules";
import { InviteForm } from "./invite-form";

export const metadata: Metadata = { title: "Invite people · Members" };

export default async function InvitePage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { team, membership } = await requireMember(slug, "ADMIN");
  const roles = (membership.role === "OWNER" ? (["VIEWER", "MEMBER", "ADMIN", "OWNER"] as const) : (["VIEWER", "MEMBER", "ADMIN"] as const)).map((role) => ({
    role,
    description: ROLE_DESCRIPTION[role],
  }));
  return (
    <>
      <PageHeader
        title={`Invite people to ${team.name}`}
        trail={[{ label: "Members", href: `/t/${slug}/members` }]}
        description="Keyway makes a link that works once and expires in 7 days. Send it to the person you invite any way you like; Keyway does not send email."
      />
      <Card>
        <InviteForm teamSlug={slug} roles={roles} />
      </Card>
    </>
  );
}
