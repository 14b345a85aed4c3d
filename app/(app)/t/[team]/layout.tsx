import { AppShell } from "@/components/app-shell";
import { requireMember } from "@/lib/access";
import { teamsOf } from "@/lib/teams";

export default async function TeamLayout({ children, params }: { children: React.ReactNode; params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { user, team, membership } = await requireMember(slug);
  const teams = await teamsOf(user.id);
  return (
    <AppShell user={user} teams={teams} current={{ ...team, role: membership.role }}>
      {children}
    </AppShell>
  );
}
