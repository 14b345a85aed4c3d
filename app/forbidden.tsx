import type { Metadata } from "next";
import { RefusalDetails } from "@/components/refusal-details";
import { StatusPage } from "@/components/status-page";
import { ROLE_LABEL } from "@/lib/access-rules";
import { currentUser } from "@/lib/auth/session";
import { teamsOf } from "@/lib/teams";

export const metadata: Metadata = { title: "Not allowed" };

// Names the visitor's role and the one the page needs: only their own teams' roles are sent along.
export default async function Forbidden() {
  const user = await currentUser();
  const teams = user ? await teamsOf(user.id) : [];
  return (
    <main>
      <StatusPage label="403" tone="red" title="Your role does not allow this">
        <RefusalDetails teams={Object.fromEntries(teams.map((t) => [t.slug, { name: t.name, role: t.role }]))} labels={ROLE_LABEL} />
      </StatusPage>
    </main>
  );
}
