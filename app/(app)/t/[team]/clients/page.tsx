import type { Metadata } from "next";
import Link from "next/link";
import { Alert, Badge, EmptyState, LinkButton, PageHeader, formatDate, formatDateTime } from "@/components/ui";
import { ShieldIcon } from "@/components/icons";
import { requireMember, roleAtLeast } from "@/lib/access";
import { providerLabel } from "@/lib/oauth/choices";
import { listOAuthClients, SECRET_MAX_AGE_DAYS } from "@/lib/oauth/clients";
import type { TokenAuthMethod } from "@/lib/oauth/http";
import { callbackUrl } from "@/lib/oauth/callback-url";

export const metadata: Metadata = { title: "OAuth clients" };

const AUTH_METHOD_SHORT: Record<TokenAuthMethod, string> = {
  client_secret_basic: "secret by HTTP Basic",
  client_secret_post: "secret in the body",
  none: "public client",
  private_key_jwt: "signed with a private key",
  tls_client_auth: "client certificate",
  self_signed_tls_client_auth: "self-signed client certificate",
};

export default async function ClientsPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<{ deleted?: string }> }) {
  const { team: slug } = await params;
  const { deleted } = await searchParams;
  const { team, membership } = await requireMember(slug);
  const canEdit = roleAtLeast(membership.role, "ADMIN");
  const clients = await listOAuthClients(team.id);
  const current = callbackUrl();
  const newButton = canEdit ? <LinkButton href={`/t/${slug}/clients/new`}>Register a client</LinkButton> : null;
  return (
    <>
      <PageHeader
        title="OAuth clients"
        description={`The OAuth clients your team registered with providers such as Google, GitHub or Microsoft: their endpoints, scopes and secret, kept once for every connection that uses them.${canEdit ? "" : " Team admins register and change them; members choose one for a connection."}`}
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
            <caption className="sr-only">The team&apos;s registered OAuth clients</caption>
            <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-600">
              <tr>
                <th scope="col" className="px-4 py-2.5">Client</th>
                <th scope="col" className="px-4 py-2.5">Provider</th>
                <th scope="col" className="px-4 py-2.5">Scopes and authentication</th>
                <th scope="col" className="px-4 py-2.5">Redirect URI</th>
                <th scope="col" className="px-4 py-2.5">Secret</th>
                <th scope="col" className="px-4 py-2.5">Connections</th>
                <th scope="col" className="px-4 py-2.5">Last token</th>
                <th scope="col" className="px-4 py-2.5">Registered</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-200">
              {clients.map((c) => {
                const age = c.secretAgeDays;
                return (
                  <tr key={c.id} className="align-top hover:bg-slate-50">
                    <td className="max-w-xs px-4 py-3">
                      <Link href={`/t/${slug}/clients/${c.id}`} className="font-medium text-slate-900 hover:text-brand-700 hover:underline">
                        {c.name}
                      </Link>
                      <p className="break-all font-mono text-xs text-slate-600">{c.clientId}</p>
                    </td>
                    <td className="px-4 py-3">
                      <Badge>{providerLabel(c.provider)}</Badge>
                    </td>
                    <td className="max-w-xs px-4 py-3">
                      <p className="break-all font-mono text-xs text-slate-700">{c.scopes.length > 0 ? c.scopes.join(" ") : "no default scopes"}</p>
                      <p className="mt-0.5 text-xs text-slate-600">{AUTH_METHOD_SHORT[c.tokenAuthMethod]}{c.pkce ? ", PKCE" : ""}</p>
                    </td>
                    <td className="max-w-[14rem] px-4 py-3">
                      {c.redirectUri === current ? (
                        <Badge tone="green">matches</Badge>
                      ) : (
                        <span className="block text-xs font-medium text-amber-800">
                          <Badge tone="amber">differs</Badge>
                          <span className="mt-1 block">Registered redirect URI differs from this instance&apos;s callback URL</span>
                          <span className="mt-0.5 block break-all font-mono font-normal text-slate-600">{c.redirectUri}</span>
                        </span>
                      )}
                    </td>
                    <td className="whitespace-nowrap px-4 py-3">
                      {!c.hasSecret ? (
                        <span className="text-xs text-slate-600">none (public)</span>
                      ) : age !== null && age > SECRET_MAX_AGE_DAYS ? (
                        <span title={`Set ${formatDate(c.secretChangedAt!)}; rotate it at the provider and save the new one here.`}>
                          <Badge tone="amber">{age} days old</Badge>
                        </span>
                      ) : (
                        <span className="text-xs text-slate-700">{age === null ? "set" : age === 0 ? "set today" : `${age} day${age === 1 ? "" : "s"} old`}</span>
                      )}
                    </td>
                    <td className="px-4 py-3">
                      {c.connections.length === 0 ? (
                        <span className="text-xs text-slate-600">none</span>
                      ) : (
                        <ul className="space-y-0.5 text-xs">
                          {c.connections.slice(0, 3).map((conn) => (
                            <li key={conn.id}>
                              <Link href={`/t/${slug}/connections/${conn.id}`} className="text-brand-700 hover:underline">
                                {conn.name}
                              </Link>
                            </li>
                          ))}
                          {c.connections.length > 3 ? (
                            <li>
                              <Link href={`/t/${slug}/clients/${c.id}`} className="text-slate-600 hover:underline">
                                and {c.connections.length - 3} more
                              </Link>
                            </li>
                          ) : null}
                        </ul>
                      )}
                    </td>
                    <td className="whitespace-nowrap px-4 py-3 text-xs text-slate-600">{c.lastTokenActivity ? formatDateTime(c.lastTokenActivity) : "never"}</td>
                    <td className="px-4 py-3 text-xs text-slate-600">
                      {formatDate(c.createdAt)}
                      <span className="block break-all">by {c.createdByLabel}</span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
