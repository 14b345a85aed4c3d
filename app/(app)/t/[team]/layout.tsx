import type { Metadata } from "next";
import { AppShell } from "@/components/app-shell";
import { requireMember } from "@/lib/access";
import { teamsOf } from "@/lib/teams";

export async function generateMetadata({ params }: { params: Promise<{ team: string }> }): Promise<Metadata> {
  const { team: slug } = await params;
  // A team the user cannot see: the layout itself answers (404, or the way to sign in); the title falls back to the not-found page's.
  const member = await requireMember(slug).catch(() => null);
  if (!member) return {};
  const { team } = member;
  return { title: { template: `%s · ${team.name} — Keyway`, default: `${team.name} — Keyway` } };
}

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
