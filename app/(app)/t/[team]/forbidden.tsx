import type { Metadata } from "next";
import { RefusalDetails } from "@/components/refusal-details";
import { StatusPage } from "@/components/status-page";
import { ROLE_LABEL } from "@/lib/access-rules";
import { currentUser } from "@/lib/auth/session";
import { teamsOf } from "@/lib/teams";

export const metadata: Metadata = { title: "Not allowed" };

// Inside the team's shell, like the team's 404: a Member who follows a link to an
// admin page should keep the team's navigation at hand, not land on a bare page.
// (The team layout itself refuses with 404, so this only answers a page's own
// requireMember(slug, role); app/forbidden.tsx stays for anything outside a team.)
export default async function TeamForbidden() {
  const user = await currentUser();
  const teams = user ? await teamsOf(user.id) : [];
  return (
    <StatusPage label="403" tone="red" title="Your role does not allow this" inShell>
      <RefusalDetails teams={Object.fromEntries(teams.map((t) => [t.slug, { name: t.name, role: t.role }]))} labels={ROLE_LABEL} />
    </StatusPage>
  );
}
