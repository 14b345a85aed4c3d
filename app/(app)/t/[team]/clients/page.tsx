import type { Metadata } from "next";
import Link from "next/link";
import { Alert, Badge, EmptyState, LinkButton, PageHeader } from "@/components/ui";
import { StackedCell, StackedRow, StackedTable } from "@/components/stacked-table";
import { Time } from "@/components/time";
import { formatUtcDay } from "@/lib/dates";
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
        <StackedTable caption="The team's registered OAuth clients" columns={["Client", "Provider", "Scopes and authentication", "Redirect URI", "Connections", "Secret and activity"]}>
          {clients.map((c) => {
            const age = c.secretAgeDays;
            return (
              <StackedRow key={c.id}>
                <StackedCell label="Client" primary className="sm:min-w-40 sm:max-w-xs">
                  <Link href={`/t/${slug}/clients/${c.id}`} className="font-medium text-slate-900 hover:text-brand-700 hover:underline">
                    {c.name}
                  </Link>
                  <p className="font-mono text-xs text-slate-600 [overflow-wrap:anywhere]">{c.clientId}</p>
                </StackedCell>
                <StackedCell label="Provider">
                  <Badge>{providerLabel(c.provider)}</Badge>
                </StackedCell>
                <StackedCell label="Scopes and authentication" className="sm:max-w-xs">
                  <p className="break-all font-mono text-xs text-slate-700">{c.scopes.length > 0 ? c.scopes.join(" ") : "no default scopes"}</p>
                  <p className="mt-0.5 text-xs text-slate-600">{AUTH_METHOD_SHORT[c.tokenAuthMethod]}{c.pkce ? ", PKCE" : ""}</p>
                </StackedCell>
                <StackedCell label="Redirect URI" className="sm:max-w-[14rem]">
                  {c.redirectUri === current ? (
                    <Badge tone="green">matches</Badge>
                  ) : (
                    <span className="block text-xs font-medium text-amber-800">
                      <Badge tone="amber">differs</Badge>
                      <span className="mt-1 block">Registered redirect URI differs from this instance&apos;s callback URL</span>
                      <span className="mt-0.5 block break-all font-mono font-normal text-slate-600">{c.redirectUri}</span>
                    </span>
                  )}
                </StackedCell>
                <StackedCell label="Connections">
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
                </StackedCell>
                {/* One column for the dates and the secret's age: eight columns did not fit a 1280 px screen (the last one was cut off). */}
                <StackedCell label="Secret and activity" className="text-xs text-slate-600">
                  <p>
                    <span className="text-slate-700">Secret: </span>
                    {!c.hasSecret ? (
                      <span className="text-xs text-slate-600">none (public)</span>
                    ) : age !== null && age > SECRET_MAX_AGE_DAYS ? (
                      <span title={`Set ${formatUtcDay(c.secretChangedAt!)}; rotate it at the provider and save the new one here.`}>
                        <Badge tone="amber">{age} days old</Badge>
                      </span>
                    ) : (
                      <span className="text-xs text-slate-700">{age === null ? "set" : age === 0 ? "set today" : `${age} day${age === 1 ? "" : "s"} old`}</span>
                    )}
                  </p>
                  <p className="mt-0.5">Last token {c.lastTokenActivity ? <Time date={c.lastTokenActivity} /> : "never"}</p>
                  <p className="mt-0.5 truncate sm:max-w-56" title={`Registered by ${c.createdByLabel}`}>
                    Registered <Time date={c.createdAt} /> by {c.createdByLabel}
                  </p>
                </StackedCell>
              </StackedRow>
            );
          })}
        </StackedTable>
      )}
    </>
  );
}
