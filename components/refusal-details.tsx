"use client";

import { usePathname } from "next/navigation";
import { pageRole, teamSlugOf } from "@/lib/page-roles";

type Role = "OWNER" | "ADMIN" | "MEMBER" | "VIEWER";

/** "You are Member in Platform; this page needs Admin or higher." The page is known here (the address), the role from the server. */
export function RefusalDetails({ teams, labels }: { teams: Record<string, { name: string; role: Role }>; labels: Record<Role, string> }) {
  const pathname = usePathname();
  const slug = teamSlugOf(pathname);
  const team = slug ? teams[slug] : undefined;
  if (!team) return <p>Ask an admin or owner of this team if you need more access.</p>;
  return (
    <>
      <p>
        You are <strong className="font-semibold text-slate-900">{labels[team.role]}</strong> in {team.name}; this page needs{" "}
        <strong className="font-semibold text-slate-900">{labels[pageRole(pathname)]}</strong> or higher.
      </p>
      <p>Ask an admin or owner of the team if you need more access.</p>
    </>
  );
}
