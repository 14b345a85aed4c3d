import type { Metadata } from "next";
import { Card, PageHeader } from "@/components/ui";
import { requireMember } from "@/lib/access";
import { ROLE_DESCRIPTION } from "@/lib/access-rules";
import { mailConfigured } from "@/lib/notifications/mail";
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
        description={
          mailConfigured()
            ? "Keyway makes a link that works once and expires in 7 days, and emails it when you give an address. You can also send it any way you like."
            : "Keyway makes a link that works once and expires in 7 days. Send it to the person you invite any way you like; this Keyway has no mail server set up, so it sends no email."
        }
      />
      <Card>
        <InviteForm teamSlug={slug} roles={roles} />
      </Card>
    </>
  );
}
