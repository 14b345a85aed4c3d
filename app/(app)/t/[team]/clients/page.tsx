import type { Metadata } from "next";
import Link from "next/link";
import { Alert, Badge, EmptyState, LinkButton, PageHeader, formatDate } from "@/components/ui";
import { ShieldIcon } from "@/components/icons";
import { requireMember, roleAtLeast } from "@/lib/access";
import { providerLabel } from "@/lib/oauth/choices";
import { listOAuthClients } from "@/lib/oauth/clients";
import { callbackUrl } from "@/lib/oauth/callback-url";

export const metadata: Metadata = { title: "OAuth clients" };

export default async function ClientsPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<{ deleted?: string }> }) {
  const { team: slug } = await params;
  const { deleted } = await searchParams;
  const { team, membership } = await requireMember(slug);
  const canEdit = roleAtLeast(membership.role, "MEMBER");
  const clients = await listOAuthClients(team.id);
  const current = callbackUrl();
  const newButton = canEdit ? <LinkButton href={`/t/${slug}/clients/new`}>Register a client</LinkButton> : null;
  return (
    <>
      <PageHeader
        title="OAuth clients"
        description="The OAuth clients your team registered with providers such as Google, GitHub or Microsoft: their endpoints, scopes and secret, kept once for every connection that uses them."
        actions={clients.length > 0 ? newButton : null}
      />
      {deleted ? (
        <div className="mb-4">
          <Alert tone="green">OAuth client deleted.</Alert>
        </div>
      ) : null}
      {clients.length === 0 ? (
        <EmptyState icon={<ShieldIcon />} title="No OAuth clients yet" action={newButton}>
          <p>
            Register the client you created in a provider&apos;s console (Google Cloud, GitHub, Microsoft Entra ID…), so OAuth2 connections can use your own scopes and consent screen. The redirect URI to give the provider is{" "}
            <span className="break-all font-mono text-xs">{current}</span>.{" "}
            <Link href="/guide/register-client" className="font-medium text-brand-700 hover:underline">
              How to register a client, provider by provider
            </Link>
          </p>
        </EmptyState>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-600">
              <tr>
                <th scope="col" className="px-4 py-2.5">Name</th>
                <th scope="col" className="px-4 py-2.5">Provider</th>
                <th scope="col" className="hidden px-4 py-2.5 md:table-cell">Scopes</th>
                <th scope="col" className="px-4 py-2.5">Connections</th>
                <th scope="col" className="hidden px-4 py-2.5 lg:table-cell">Registered</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200">
              {clients.map((c) => (
                <tr key={c.id} className="hover:bg-slate-50">
                  <td className="max-w-xs px-4 py-3">
                    <Link href={`/t/${slug}/clients/${c.id}`} className="font-medium text-slate-900 hover:text-brand-700 hover:underline">
                      {c.name}
                    </Link>
                    <p className="truncate font-mono text-xs text-slate-600">{c.clientId}</p>
                    {c.redirectUri !== current ? <p className="mt-1 text-xs font-medium text-amber-800">Registered redirect URI differs from this instance&apos;s callback URL</p> : null}
                  </td>
                  <td className="px-4 py-3">
                    <Badge>{providerLabel(c.provider)}</Badge>
                  </td>
                  <td className="hidden max-w-xs px-4 py-3 md:table-cell">
                    <p className="truncate font-mono text-xs text-slate-700">{c.scopes.length > 0 ? c.scopes.join(" ") : "none"}</p>
                  </td>
                  <td className="px-4 py-3 text-slate-700">{c.connectionCount}</td>
                  <td className="hidden px-4 py-3 text-slate-600 lg:table-cell">
                    {formatDate(c.createdAt)} by {c.createdByLabel}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
