import type { Metadata } from "next";
import { Time } from "@/components/time";
import Link from "next/link";
import { Alert, Badge, Card, PageHeader } from "@/components/ui";
import { CopyField } from "@/components/copy-button";
import { requireMember, roleAtLeast } from "@/lib/access";
import { AUTH_TYPE_LABEL, type AuthType } from "@/lib/connections/schemas";
import { listAuditEvents } from "@/lib/audit-log";
import { auditSentence } from "@/lib/audit-sentence";
import { providerLabel } from "@/lib/oauth/choices";
import { callbackUrl } from "@/lib/oauth/callback-url";
import { providerTemplate } from "@/lib/oauth/providers";
import { CONNECTION_TOKEN_AUTH_METHOD_LABEL, isTlsClientAuth, usesClientSecret } from "@/lib/oauth/schemas";
import { PublicKeyPanel } from "../public-key";
import { ConnectionStatusBadge } from "../../connections/status-badge";
import { findOAuthClientOr404 } from "./find";
import { ClientActions } from "./client-actions";

export async function generateMetadata({ params }: { params: Promise<{ team: string; client: string }> }): Promise<Metadata> {
  const { team: slug, client: clientId } = await params;
  const { team } = await requireMember(slug);
  const client = await findOAuthClientOr404(team.id, clientId);
  return { title: `${client.name} · OAuth clients` };
}

const TRAIL_LENGTH = 20;

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="flex flex-wrap justify-between gap-2 py-2">
      <dt className="text-sm text-slate-600">{label}</dt>
      <dd className="min-w-0 text-right text-sm text-slate-800 [overflow-wrap:anywhere]">{children}</dd>
    </div>
  );
}

export default async function ClientPage({ params, searchParams }: { params: Promise<{ team: string; client: string }>; searchParams: Promise<{ saved?: string }> }) {
  const { team: slug, client: clientId } = await params;
  const { saved } = await searchParams;
  const { team, membership } = await requireMember(slug);
  const client = await findOAuthClientOr404(team.id, clientId);
  const canEdit = roleAtLeast(membership.role, "ADMIN");
  // The audit log is for admins; so is this client's part of it.
  const trail = roleAtLeast(membership.role, "ADMIN") ? await listAuditEvents(team.id, { objectId: client.id }, TRAIL_LENGTH) : null;
  const template = providerTemplate(client.provider);
  const current = callbackUrl();

  return (
    <>
      <PageHeader
        title={client.name}
        trail={[{ label: "OAuth clients", href: `/t/${slug}/clients` }]}
        description={
          <>
            {providerLabel(client.provider)} client <span className="font-mono">{client.clientId}</span>
          </>
        }
        actions={canEdit ? <ClientActions teamSlug={slug} clientId={client.id} name={client.name} /> : null}
      />
      {saved ? (
        <div className="mb-4">
          <Alert tone="green">OAuth client saved. Connections can now use it: choose it in an OAuth2 connection&apos;s form.</Alert>
        </div>
      ) : null}
      <div className="grid gap-6 lg:grid-cols-2">
        <div className="space-y-6">
          <Card title="Redirect URI" description="Register this exact URL with the provider for this client.">
            <CopyField value={current} label="Callback URL" />
            {client.redirectUri !== current ? (
              <div className="mt-3">
                <Alert tone="amber" title="Registered with another URL">
                  This client was registered when the callback URL was <span className="break-all font-mono">{client.redirectUri}</span>. Add the URL above at the provider, then edit this client and confirm it.
                </Alert>
              </div>
            ) : null}
            {template ? (
              <p className="mt-3 text-sm text-slate-600">
                At {template.name} it goes under “{template.redirectUriLabel}”.{" "}
                <a href={template.consoleUrl} target="_blank" rel="noreferrer" className="font-medium text-brand-700 hover:underline">
                  Open the console
                </a>
              </p>
            ) : null}
          </Card>
          <Card title="Settings">
            <dl className="divide-y divide-slate-100">
              <Row label="Provider">
                <Badge>{providerLabel(client.provider)}</Badge>
              </Row>
              {client.issuer ? <Row label="Issuer"><span className="font-mono text-xs">{client.issuer}</span></Row> : null}
              <Row label="Authorization URL"><span className="font-mono text-xs">{client.authorizationUrl}</span></Row>
              <Row label="Token URL"><span className="font-mono text-xs">{client.tokenUrl}</span></Row>
              <Row label="Revocation URL">{client.revocationUrl ? <span className="font-mono text-xs">{client.revocationUrl}</span> : "none (Disconnect only deletes tokens here)"}</Row>
              <Row label="Client ID"><span className="font-mono text-xs">{client.clientId}</span></Row>
              {usesClientSecret(client.tokenAuthMethod) || client.hasSecret ? (
                <Row label="Client secret">{client.hasSecret ? `set${client.secretLastFour ? `, ends in ${client.secretLastFour}` : ""}` : "none"}</Row>
              ) : null}
              {client.tokenAuthMethod === "private_key_jwt" ? (
                <Row label="Private key">
                  {client.hasPrivateKey ? `set, signs ${client.assertionAlg ?? "RS256"}${client.assertionKid ? ` with kid ${client.assertionKid}` : ""}` : "missing"}
                  {client.keyChangedAt ? (
                    <>
                      {" "}
                      (changed <Time date={client.keyChangedAt} />)
                    </>
                  ) : null}
                </Row>
              ) : null}
              <Row label="Default scopes"><span className="font-mono text-xs">{client.scopes.length > 0 ? client.scopes.join(" ") : "none"}</span></Row>
              <Row label="Client authentication">{CONNECTION_TOKEN_AUTH_METHOD_LABEL[client.tokenAuthMethod]}</Row>
              <Row label="PKCE">{client.pkce ? "on" : "off"}</Row>
              {client.extraAuthParams.length > 0 ? (
                <Row label="Extra authorization parameters">
                  <span className="font-mono text-xs">{client.extraAuthParams.map((p) => `${p.name}=${p.value}`).join(" ")}</span>
                </Row>
              ) : null}
            </dl>
            {client.tokenAuthMethod === "private_key_jwt" && client.publicJwk ? (
              <div className="mt-3">
                <PublicKeyPanel publicJwk={client.publicJwk} thumbprint={client.keyThumbprint} />
              </div>
            ) : null}
            {isTlsClientAuth(client.tokenAuthMethod) ? (
              <p className="mt-3 text-sm text-slate-600">Each connection using this client authenticates with its own client certificate; their fingerprints are listed under “Connections using this client”.</p>
            ) : null}
          </Card>
        </div>
        <div className="space-y-6">
          <Card title="History">
            <dl className="divide-y divide-slate-100">
              <Row label="Registered">
                {/* An inline block: a member's email moves to the next line whole rather than breaking at its hyphen or mid-word. */}
                <Time date={client.createdAt} /> by <span className="inline-block max-w-full">{client.createdByLabel}</span>
              </Row>
              <Row label="Secret last changed">{client.secretChangedAt ? <Time date={client.secretChangedAt} /> : "never set"}</Row>
              <Row label="Last edited"><Time date={client.updatedAt} /></Row>
            </dl>
            {client.notes ? <p className="mt-3 whitespace-pre-wrap rounded-md bg-slate-50 p-3 text-sm text-slate-700">{client.notes}</p> : null}
          </Card>
          {trail ? (
            <Card title="Audit trail" description="Changes to this client, newest first. Its secret is never in the log.">
              {trail.events.length === 0 ? (
                <p className="text-sm text-slate-600">No events.</p>
              ) : (
                <ol className="-my-2 divide-y divide-slate-100" aria-label="Audit trail">
                  {trail.events.map((event) => (
                    <li key={event.id.toString()} className="flex flex-wrap justify-between gap-2 py-2 text-sm">
                      <span>
                        {/* The audit log's sentence ("registered the OAuth client"), the raw action on hover. */}
                        <span title={event.action}>{capitalized(auditSentence(event.action, event.data).before)}</span>
                        <span className="block text-xs text-slate-600">by {event.actorLabel}</span>
                      </span>
                      <Time date={event.createdAt} className="text-xs text-slate-600" />
                    </li>
                  ))}
                </ol>
              )}
              <p className="mt-3 text-sm">
                <Link href={`/t/${slug}/audit?objectId=${client.id}`} className="font-medium text-brand-700 hover:underline">
                  {trail.older ? "All of this client's events in the audit log" : "Open in the audit log"}
                </Link>
              </p>
            </Card>
          ) : null}
          <Card title="Connections using this client">
            {client.connections.length === 0 ? (
              <p className="text-sm text-slate-600">None yet. Choose this client in an OAuth2 connection&apos;s form.</p>
            ) : (
              <ul className="-my-2 divide-y divide-slate-100">
                {client.connections.map((c) => (
                  <li key={c.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
                    <Link href={`/t/${slug}/connections/${c.id}`} className="text-sm font-medium text-slate-900 hover:text-brand-700 hover:underline">
                      {c.name}
                    </Link>
                    {isTlsClientAuth(client.tokenAuthMethod) ? (
                      <span className="w-full break-all font-mono text-xs text-slate-600" data-testid="connection-certificate">
                        {c.clientCertFingerprint ? `Certificate ${c.clientCertSubject ?? ""} SHA-256 ${c.clientCertFingerprint}` : "No client certificate: its token requests will be refused"}
                      </span>
                    ) : null}
                    <span className="flex items-center gap-2">
                      <Badge>{AUTH_TYPE_LABEL[c.authType as AuthType] ?? c.authType}</Badge>
                      <ConnectionStatusBadge connection={c} />
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
      </div>
    </>
  );
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
