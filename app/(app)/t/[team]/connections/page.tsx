import type { Metadata } from "next";
import Link from "next/link";
import { Alert, Badge, EmptyState, LinkButton, PageHeader, formatDateTime } from "@/components/ui";
import { PlugIcon } from "@/components/icons";
import { requireMember, roleAtLeast } from "@/lib/access";
import { listConnections } from "@/lib/connections";
import { AUTH_TYPE_LABEL, type AuthType } from "@/lib/connections/schemas";
import { ConnectionStatusBadge } from "./status-badge";
import { NeedsAttention } from "./needs-attention";

export const metadata: Metadata = { title: "Connections" };

export default async function ConnectionsPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<{ joined?: string; deleted?: string }> }) {
  const { team: slug } = await params;
  const { team, membership } = await requireMember(slug);
  const { joined, deleted } = await searchParams;
  const canEdit = roleAtLeast(membership.role, "MEMBER");
  const connections = await listConnections(team.id);
  const loadedAt = new Date().getTime();
  const newButton = canEdit ? <LinkButton href={`/t/${slug}/connections/new`}>New connection</LinkButton> : null;

  return (
    <>
      <PageHeader title="Connections" description="The APIs your team's software reaches: base URL, credentials, and proof that each one works." actions={connections.length > 0 ? newButton : null} />
      <NeedsAttention teamSlug={slug} connections={connections} now={loadedAt} />
      {joined ? (
        <div className="mb-4">
          <Alert tone="green">Welcome to {team.name}. You are now a member of this team.</Alert>
        </div>
      ) : null}
      {deleted ? (
        <div className="mb-4">
          <Alert tone="green">Connection deleted.</Alert>
        </div>
      ) : null}
      {connections.length === 0 ? (
        <EmptyState icon={<PlugIcon />} title="No connections yet" action={newButton}>
          <p>{canEdit ? "Add the first API your team's software talks to: its base URL and how it authenticates." : "Members of this team have not added any connections yet."}</p>
        </EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-600">
              <tr>
                <th scope="col" className="px-4 py-2.5">Name</th>
                <th scope="col" className="px-4 py-2.5">Auth type</th>
                <th scope="col" className="px-4 py-2.5">Status</th>
                <th scope="col" className="hidden px-4 py-2.5 md:table-cell">Last tested</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200">
              {connections.map((c) => (
                <tr key={c.id} className="hover:bg-slate-50">
                  <td className="max-w-xs px-4 py-3">
                    <Link href={`/t/${slug}/connections/${c.id}`} className="font-medium text-slate-900 hover:text-brand-700 hover:underline">
                      {c.name}
                    </Link>
                    {c.agent ? (
                      <span className="ml-2 inline-flex items-center rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-700 ring-1 ring-inset ring-slate-200" title="Private network: requests go through this agent">
                        via {c.agent.name}
                      </span>
                    ) : null}
                    <p className="truncate text-xs text-slate-600">{c.baseUrl}</p>
                  </td>
                  <td className="px-4 py-3">
                    <Badge>{AUTH_TYPE_LABEL[c.authType as AuthType] ?? c.authType}</Badge>
                  </td>
                  <td className="px-4 py-3">
                    <ConnectionStatusBadge connection={c} />
                  </td>
                  <td className="hidden px-4 py-3 text-slate-600 md:table-cell">{c.lastTestedAt ? formatDateTime(c.lastTestedAt) : "Never"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
