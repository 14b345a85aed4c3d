import Link from "next/link";
import type { ReactNode } from "react";
import type { Role } from "@/lib/db";
import { ROLE_LABEL, roleAtLeast } from "@/lib/access-rules";
import type { SessionUser } from "@/lib/auth/session";
import { Disclosure } from "./disclosure";
import { NavLinks, type NavItem } from "./nav-links";
import { signOutAction } from "./sign-out";
import { ThemeSwitch } from "./theme-switch";
import { Logo, cx } from "./ui";

export type ShellTeam = { slug: string; name: string; role: Role; personal: boolean };

function navFor(team: ShellTeam): NavItem[] {
  const base = `/t/${team.slug}`;
  const items: NavItem[] = [
    { href: `${base}/connections`, label: "Connections" },
    { href: `${base}/clients`, label: "OAuth clients" },
    { href: `${base}/members`, label: "Members" },
  ];
  if (roleAtLeast(team.role, "ADMIN")) {
    items.push(
      { href: `${base}/api-keys`, label: "API keys" },
      { href: `${base}/agents`, label: "Agents" },
      { href: `${base}/notifications`, label: "Notifications" },
      { href: `${base}/audit`, label: "Audit log" },
    );
  }
  items.push({ href: `${base}/settings`, label: "Settings" });
  return items;
}

function Chevron() {
  return (
    <svg aria-hidden="true" viewBox="0 0 20 20" className="h-4 w-4 shrink-0 text-slate-600" fill="currentColor">
      <path fillRule="evenodd" d="M5.23 7.21a.75.75 0 0 1 1.06.02L10 11.17l3.71-3.94a.75.75 0 1 1 1.08 1.04l-4.25 4.5a.75.75 0 0 1-1.08 0l-4.25-4.5a.75.75 0 0 1 .02-1.06Z" clipRule="evenodd" />
    </svg>
  );
}

function TeamSwitcher({ teams, current }: { teams: ShellTeam[]; current: ShellTeam | null }) {
  return (
    <Disclosure
      className="relative"
      label="Switch team"
      summaryClassName="flex w-full items-center justify-between gap-2 rounded-md border border-slate-300 bg-white px-3 py-2 text-left shadow-sm hover:bg-slate-50"
      summary={
        <>
          <span className="min-w-0">
            <span className="block text-xs text-slate-600">Team</span>
            <span className="block truncate text-sm font-medium text-slate-900">{current?.name ?? "Choose a team"}</span>
          </span>
          <Chevron />
        </>
      }
    >
      <div className="absolute left-0 right-0 z-30 mt-1 rounded-md border border-slate-200 bg-white py-1 shadow-lg">
        <ul>
          {teams.map((team) => (
            <li key={team.slug}>
              <Link
                href={`/t/${team.slug}/connections`}
                aria-current={team.slug === current?.slug ? "true" : undefined}
                className={cx("flex items-center justify-between gap-2 px-3 py-2 text-sm hover:bg-slate-50", team.slug === current?.slug && "bg-slate-50 font-medium")}
              >
                <span className="truncate">{team.name}</span>
                <span className="shrink-0 text-xs text-slate-600">{ROLE_LABEL[team.role]}</span>
              </Link>
            </li>
          ))}
        </ul>
        <div className="mt-1 border-t border-slate-200 pt-1">
          <Link href={current ? `/teams/new?from=${current.slug}` : "/teams/new"} className="block px-3 py-2 text-sm font-medium text-brand-700 hover:bg-slate-50">
            + Create a team
          </Link>
        </div>
      </div>
    </Disclosure>
  );
}

function UserBlock({ user, current }: { user: SessionUser; current: ShellTeam | null }) {
  return (
    <div className="flex items-center justify-between gap-2">
      <div className="min-w-0">
        <Link href={current ? `/account?from=${current.slug}` : "/account"} className="block truncate text-sm font-medium text-slate-900 hover:text-brand-700 hover:underline" aria-label={`Your account: ${user.name}`}>
          {user.name}
        </Link>
        <p className="truncate text-xs text-slate-600">{user.email}</p>
      </div>
      <form action={signOutAction}>
        <button type="submit" className="whitespace-nowrap rounded-md px-2 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-100">
          Sign out
        </button>
      </form>
    </div>
  );
}

function Sidebar({ user, teams, current }: { user: SessionUser; teams: ShellTeam[]; current: ShellTeam | null }) {
  return (
    <div className="flex h-full flex-col gap-5">
      <TeamSwitcher teams={teams} current={current} />
      <nav aria-label="Team" className="flex-1">
        {current ? <NavLinks items={navFor(current)} /> : null}
      </nav>
      <div className="space-y-3 border-t border-slate-200 pt-4">
        <UserBlock user={user} current={current} />
        <ThemeSwitch />
      </div>
    </div>
  );
}

/**
 * The team whose navigation a page outside any team (/teams/new, /account)
 * keeps: the one the visitor came from (?from=, set by the shell's links),
 * else their personal team. Only ever one of their own teams.
 */
export function shellTeamFor(teams: ShellTeam[], from: string | undefined): ShellTeam | null {
  return teams.find((t) => t.slug === from) ?? teams.find((t) => t.personal) ?? teams[0] ?? null;
}

export function AppShell({ user, teams, current, children }: { user: SessionUser; teams: ShellTeam[]; current: ShellTeam | null; children: ReactNode }) {
  return (
    <div className="min-h-dvh lg:flex">
      <aside className="hidden w-64 shrink-0 border-r border-slate-200 bg-white lg:block">
        <div className="sticky top-0 flex h-dvh flex-col px-4 py-5">
          <Link href="/" className="mb-6 px-1">
            <Logo />
          </Link>
          <Sidebar user={user} teams={teams} current={current} />
        </div>
      </aside>
      <header className="sticky top-0 z-20 border-b border-slate-200 bg-white lg:hidden">
        <Disclosure
          className="group"
          label="Menu"
          summaryClassName="flex items-center justify-between px-4 py-3"
          summary={
            <>
              <Logo />
              <span className="flex items-center gap-2 text-sm font-medium text-slate-700">
                <span className="max-w-40 truncate">{current?.name ?? "Menu"}</span>
                <svg aria-hidden="true" viewBox="0 0 24 24" className="h-5 w-5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round">
                  <path d="M4 6h16M4 12h16M4 18h16" />
                </svg>
              </span>
            </>
          }
        >
          <div className="border-t border-slate-200 px-4 py-4">
            <Sidebar user={user} teams={teams} current={current} />
          </div>
        </Disclosure>
      </header>
      <main id="main" className="min-w-0 flex-1 px-4 py-6 sm:px-6 lg:px-10 lg:py-8">
        <div className="mx-auto max-w-5xl">{children}</div>
      </main>
    </div>
  );
}
