import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AppShell, shellTeamFor } from "@/components/app-shell";
import { Card, PageHeader } from "@/components/ui";
import { currentUser } from "@/lib/auth/session";
import { teamsOf } from "@/lib/teams";
import { CreateTeamForm } from "./create-team-form";

export const metadata: Metadata = { title: "Create a team" };

export default async function NewTeamPage({ searchParams }: { searchParams: Promise<{ from?: string }> }) {
  const { from } = await searchParams;
  const user = await currentUser();
  if (!user) redirect("/signin?callbackUrl=/teams/new");
  const teams = await teamsOf(user.id);
  return (
    <AppShell user={user} teams={teams} current={shellTeamFor(teams, from)}>
      <PageHeader title="Create a team" description="A team shares connections, OAuth clients and API keys. You become its owner and can invite others." />
      <Card className="max-w-xl">
        <CreateTeamForm />
      </Card>
    </AppShell>
  );
}
