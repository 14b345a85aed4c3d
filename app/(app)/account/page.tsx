import type { Metadata } from "next";
import { Time } from "@/components/time";
import { redirect } from "next/navigation";
import { AppShell, shellTeamFor } from "@/components/app-shell";
import { Badge, Card, PageHeader } from "@/components/ui";
import { listSessions } from "@/lib/auth/account";
import { currentSessionId, currentUser } from "@/lib/auth/session";
import { db } from "@/lib/db";
import { teamsOf } from "@/lib/teams";
import { ChangePasswordForm, RevokeSessionButton, SignOutEverywhereElse } from "./account-forms";

export const metadata: Metadata = { title: "Your account" };

/** "Firefox on Linux" from a user-agent string: enough to recognise one's own devices. */
function deviceOf(userAgent: string | null): string {
  if (!userAgent) return "Unknown browser";
  const browser = [
    [/Edg\//, "Edge"],
    [/OPR\//, "Opera"],
    [/Firefox\//, "Firefox"],
    [/Chrome\/|Chromium\//, "Chrome"],
    [/Safari\//, "Safari"],
    [/curl\//, "curl"],
  ].find(([pattern]) => (pattern as RegExp).test(userAgent))?.[1] as string | undefined;
  const system = [
    [/iPhone|iPad/, "iOS"],
    [/Android/, "Android"],
    [/Windows/, "Windows"],
    [/Mac OS X|Macintosh/, "macOS"],
    [/CrOS/, "ChromeOS"],
    [/Linux/, "Linux"],
  ].find(([pattern]) => (pattern as RegExp).test(userAgent))?.[1] as string | undefined;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? userAgent.slice(0, 60);
}

export default async function AccountPage({ searchParams }: { searchParams: Promise<{ from?: string }> }) {
  const { from } = await searchParams;
  const user = await currentUser();
  if (!user) redirect("/signin?callbackUrl=/account");
  const [teams, sessions, account] = await Promise.all([
    teamsOf(user.id),
    listSessions(user.id, await currentSessionId()),
    db.user.findUniqueOrThrow({ where: { id: user.id }, select: { passwordHash: true } }),
  ]);
  const others = sessions.filter((s) => !s.current).length;
  return (
    <AppShell user={user} teams={teams} current={shellTeamFor(teams, from)}>
      <PageHeader title="Your account" description={`Signed in as ${user.email}.`} />
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Password" description="Changing it signs out your other sessions.">
          {account.passwordHash ? <ChangePasswordForm /> : <p className="text-sm text-slate-600">You sign in through single sign-on; your password is managed there.</p>}
        </Card>
        <Card title="Sessions" description="The browsers and devices signed in to your account. Sign out any you do not recognise.">
          <ul aria-label="Your sessions" className="divide-y divide-slate-200">
            {sessions.map((s) => (
              <li key={s.id} className="flex flex-wrap items-start justify-between gap-3 py-3 first:pt-0">
                <div className="min-w-0 text-sm">
                  <p className="font-medium text-slate-900">
                    <span title={s.userAgent ?? undefined}>{deviceOf(s.userAgent)}</span> {s.current ? <Badge tone="green">This browser</Badge> : null}
                  </p>
                  <p className="text-slate-600">
                    {s.ip?.replace(/^::ffff:/, "") ?? "Unknown address"} · signed in <Time date={s.createdAt} />
                  </p>
                  <p className="text-slate-600">Last seen <Time date={s.lastSeenAt} /></p>
                </div>
                {s.current ? null : <RevokeSessionButton sessionId={s.id} label={`${deviceOf(s.userAgent)} from ${s.ip ?? "an unknown address"}`} />}
              </li>
            ))}
          </ul>
          {others > 0 ? (
            <div className="mt-4 border-t border-slate-200 pt-4">
              <SignOutEverywhereElse />
            </div>
          ) : null}
        </Card>
      </div>
    </AppShell>
  );
}
