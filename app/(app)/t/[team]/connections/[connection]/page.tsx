import type { Metadata } from "next";
import { Time } from "@/components/time";
import Link from "next/link";
import { CopyField } from "@/components/copy-button";
import { publicUrl } from "@/lib/config";
import { Alert, Badge, Card, PageHeader } from "@/components/ui";
import { describeExpiry } from "@/lib/connections/client-cert";
import { requireMember, roleAtLeast } from "@/lib/access";
import { SignedAuthRows } from "./signed-auth-rows";
import { AUTH_TYPE_LABEL, isOAuthType, isReceiverType, isServiceAccountType, type AuthType } from "@/lib/connections/schemas";
import { authorizationOutcome, unfinishedAuthorization } from "@/lib/oauth/authorize";
import { callbackUrl } from "@/lib/oauth/callback-url";
import { providerTemplate } from "@/lib/oauth/providers";
import { entryHintKey, type SecretHints, type StoredEntry } from "@/lib/connections/stored";
import { testHistory } from "@/lib/connections/test-request";
import { ConnectionStatusBadge, stateOfConnection } from "../status-badge";
import { HealthCard } from "./health-card";
import { AgentPresenceBadge } from "../agent-presence";
import { findConnectionOr404 } from "./find";
import { ConnectionActions } from "./connection-actions";
import { TestPanel, TestRunDetails } from "./test-panel";
import { AuthorizationOutcome, ClientCredentialsPanel, ConnectCallout, needsConnecting, OAuth1ConnectPanel, OAuthCodePanel, OAuthSettingsRows } from "./oauth-panel";
import { WebhookEventsCard, WebhookForwardCard, WebhookSigningCard, WebhookUrlCard } from "./webhook-panels";
import { CredentialsAccessForm } from "./credentials-access";
import { ConnectLinksPanel } from "./connect-links";
import { connectLinksPage, recentlyCompletedLink } from "@/lib/connect-links";
import { secretSlots } from "@/lib/connect-links/secret-slots";

export async function generateMetadata({ params }: { params: Promise<{ team: string; connection: string }> }): Promise<Metadata> {
  const { team: slug, connection: connectionId } = await params;
  const { team } = await requireMember(slug);
  const connection = await findConnectionOr404(team.id, connectionId);
  return { title: `${connection.name} · Connections` };
}

function secretText(hints: SecretHints, key: string): string {
  const hint = hints[key];
  if (!hint) return "not set";
  return hint.lastFour ? `set, ends in ${hint.lastFour}` : "set";
}

function EntryRows({ list, entries, hints }: { list: "headers" | "params"; entries: StoredEntry[]; hints: SecretHints }) {
  return (
    <>
      {entries.map((entry) => (
        <div key={entry.id} className="flex flex-wrap justify-between gap-2 py-2">
          <dt className="font-mono text-sm text-slate-800">{entry.name}</dt>
          <dd className="text-sm text-slate-600">{entry.secret ? `Secret (${secretText(hints, entryHintKey(list, entry.id))})` : <span className="font-mono">{entry.value}</span>}</dd>
        </div>
      ))}
    </>
  );
}

const DISCONNECTED = {
  revoked: { tone: "green", text: "Disconnected. The provider revoked the tokens, and Keyway deleted them." },
  deleted: { tone: "green", text: "Disconnected. Keyway deleted the tokens. This provider offers no revocation, so remove the app's access in your account settings there if it should end on its side too." },
  "revocation-failed": { tone: "amber", text: "Disconnected here: Keyway deleted the tokens, but the provider did not confirm the revocation (the audit log has its answer). Remove the app's access in your account settings at the provider to be sure." },
} as const;

export default async function ConnectionPage({
  params,
  searchParams,
}: {
  params: Promise<{ team: string; connection: string }>;
  searchParams: Promise<{ saved?: string; authorization?: string; disconnected?: string; event?: string; connect?: string; links?: string }>;
}) {
  const { team: slug, connection: connectionId } = await params;
  const { saved, authorization, disconnected, event, connect, links: linksCursor } = await searchParams;
  const { team, membership, user } = await requireMember(slug);
  const connection = await findConnectionOr404(team.id, connectionId);
  if (isReceiverType(connection.authType)) {
    const canEditReceiver = roleAtLeast(membership.role, "MEMBER");
    // Events first: the URL to give the sender, how it signs, what arrived; then where events go next.
    return (
      <>
        <PageHeader
          title={connection.name}
          trail={[{ label: "Connections", href: `/t/${slug}/connections` }]}
          description={AUTH_TYPE_LABEL.WEBHOOK}
          actions={canEditReceiver ? <ConnectionActions teamSlug={slug} connectionId={connection.id} name={connection.name} /> : null}
        />
        {saved ? (
          <div className="mb-4">
            <Alert tone="green">Webhook receiver saved. Give its URL to the app that sends the events; they show up below as they arrive.</Alert>
          </div>
        ) : null}
        <div className="grid gap-6 lg:grid-cols-2 lg:items-start">
          <WebhookUrlCard token={connection.webhookToken} />
          <WebhookSigningCard teamId={team.id} teamSlug={slug} connectionId={connection.id} canEdit={canEditReceiver} />
        </div>
        <div className="mt-6">
          <WebhookEventsCard teamId={team.id} teamSlug={slug} connectionId={connection.id} token={connection.webhookToken} selectedEventId={typeof event === "string" ? event : undefined} />
        </div>
        <div className="mt-6">
          <WebhookForwardCard teamId={team.id} teamSlug={slug} connectionId={connection.id} canEdit={canEditReceiver} />
        </div>
      </>
    );
  }
  const outcome = authorization ? await authorizationOutcome(user.id, connection.id, authorization) : null;
  const threeLegged = connection.authType === "OAUTH1" && Boolean(connection.config.oauth1?.flow);
  const unfinished = (connection.authType === "OAUTH2_CODE" || threeLegged) && !outcome && !connection.tokenSet ? await unfinishedAuthorization(user.id, connection.id, null) : null;
  const disconnectedNote = disconnected && Object.hasOwn(DISCONNECTED, disconnected) ? DISCONNECTED[disconnected as keyof typeof DISCONNECTED] : null;
  const template = connection.oauthClient ? providerTemplate(connection.oauthClient.provider) : undefined;
  const history = await testHistory(team.id, connection.id);
  const canEdit = roleAtLeast(membership.role, "MEMBER");
  const { config, secretHints: hints } = connection;
  const expiresAt = connection.clientCertExpiresAt;
  const expiry = expiresAt ? describeExpiry(expiresAt) : null;
  // Before an authorization code connection is connected, connecting is the one thing to do: first on the page, and the test panel waits for it.
  const connectFirst = needsConnecting(connection);
  const providerName = template?.name ?? connection.oauthClient?.name ?? "the provider";
  const linkable = connection.authType === "OAUTH2_CODE" || secretSlots(connection.authType, config, hints).length > 0;
  const { links: connectLinks, older: olderLinks } = linkable ? await connectLinksPage(team.id, connection.id, linksCursor) : { links: [], older: null };
  // The team hears of a link's completion here: the person who used it has no other way to tell them (on the newest links, not an older page's).
  const recentlyCompleted = linksCursor ? undefined : recentlyCompletedLink(connectLinks);

  return (
    <>
      <PageHeader
        title={connection.name}
        trail={[{ label: "Connections", href: `/t/${slug}/connections` }]}
        description={<span className="[overflow-wrap:anywhere] font-mono">{connection.baseUrl}</span>}
        actions={canEdit ? <ConnectionActions teamSlug={slug} connectionId={connection.id} name={connection.name} /> : null}
      />
      {saved ? (
        <div className="mb-4">
          <Alert tone="green">
            {connection.authType === "OAUTH2_CODE" && !connection.tokenSet
              ? `Connection saved. Next, connect it to ${providerName}.`
              : threeLegged && !connection.tokenSet
                ? "Connection saved. Click Connect to authorize it at the provider."
                : "Connection saved. Send a test request to check that it works: the first successful one becomes its health check."}
          </Alert>
        </div>
      ) : null}
      {outcome ? (
        <div className="mb-4">
          <AuthorizationOutcome outcome={outcome} callbackUrl={callbackUrl()} consoleUrl={template?.consoleUrl} tokens={connection.tokenSet} provider={connection.oauthClient?.provider} />
        </div>
      ) : null}
      {connect === "refused" ? (
        <div className="mb-4">
          <Alert tone="amber">Keyway could not start the authorization: only an OAuth2 authorization code connection whose client has an authorization URL can be connected. Edit the connection or its OAuth client.</Alert>
        </div>
      ) : null}
      {recentlyCompleted?.usedAt ? (
        <div className="mb-4">
          <Alert tone="brand" title="Completed through a connect link">
            {connection.authType === "OAUTH2_CODE" ? "Authorized at the provider" : "Secrets entered"} <Time date={recentlyCompleted.usedAt} /> by the person the link was sent to (link from {recentlyCompleted.createdByLabel}).
          </Alert>
        </div>
      ) : null}
      {disconnectedNote ? (
        <div className="mb-4">
          <Alert tone={disconnectedNote.tone}>{disconnectedNote.text}</Alert>
        </div>
      ) : null}
      {connectFirst && canEdit ? <ConnectCallout teamSlug={slug} connection={connection} providerName={providerName} /> : null}
      {/* Two columns from lg; below, the columns dissolve (contents) into one, where "Use it from a service" moves after the test panel (order-last). */}
      <div className="grid gap-6 lg:grid-cols-[1fr_1.3fr]">
        <div className="contents lg:block lg:space-y-6">
          <Card title="Authentication">
            <dl className="divide-y divide-slate-100">
              <div className="flex justify-between gap-2 py-2">
                <dt className="text-sm text-slate-600">Type</dt>
                <dd>
                  <Badge>{AUTH_TYPE_LABEL[connection.authType as AuthType] ?? connection.authType}</Badge>
                </dd>
              </div>
              <div className="flex justify-between gap-2 py-2">
                <dt className="text-sm text-slate-600">Status</dt>
                <dd className="text-right text-sm">
                  <ConnectionStatusBadge connection={connection} />
                  <span className="ml-2 text-slate-600">{connection.lastTestedAt ? <>tested <Time date={connection.lastTestedAt} /></> : "never tested"}</span>
                </dd>
              </div>
              <div className="flex justify-between gap-2 py-2">
                <dt className="text-sm text-slate-600">Network</dt>
                {connection.agent ? (
                  <dd className="text-right text-sm text-slate-800" data-testid="connection-network">
                    Private, through agent{" "}
                    <Link href={`/t/${slug}/agents`} className="font-medium text-brand-700 underline">
                      {connection.agent.name}
                    </Link>
                    <span className="mt-1 block">
                      <AgentPresenceBadge presence={connection.agent.presence} />
                    </span>
                  </dd>
                ) : (
                  <dd className="text-sm text-slate-800" data-testid="connection-network">
                    Public internet
                  </dd>
                )}
              </div>
              {config.username ? (
                <div className="flex justify-between gap-2 py-2">
                  <dt className="text-sm text-slate-600">{connection.authType === "DIGEST" ? "Username" : "Basic username"}</dt>
                  <dd className="font-mono text-sm text-slate-800">{config.username}</dd>
                </div>
              ) : null}
              {config.username !== undefined && (connection.authType === "BASIC" || connection.authType === "DIGEST" || config.username) ? (
                <div className="flex justify-between gap-2 py-2">
                  <dt className="text-sm text-slate-600">Password</dt>
                  <dd className="text-sm text-slate-600">{secretText(hints, "password")}</dd>
                </div>
              ) : null}
              {config.headers && config.headers.length > 0 ? <EntryRows list="headers" entries={config.headers} hints={hints} /> : null}
              {config.params && config.params.length > 0 ? <EntryRows list="params" entries={config.params} hints={hints} /> : null}
              <SignedAuthRows authType={connection.authType} config={config} hints={hints} />
              {isOAuthType(connection.authType) ? <OAuthSettingsRows teamSlug={slug} connection={connection} /> : null}
            </dl>
          </Card>

          {connection.authType === "OAUTH2_CODE" ? <OAuthCodePanel teamSlug={slug} connection={connection} canEdit={canEdit} unfinished={unfinished} callbackUrl={callbackUrl()} connectAtTop={connectFirst && canEdit} /> : null}
          {connection.authType === "OAUTH2_CLIENT_CREDENTIALS" || isServiceAccountType(connection.authType) ? <ClientCredentialsPanel connection={connection} /> : null}
          {threeLegged ? <OAuth1ConnectPanel teamSlug={slug} connection={connection} canEdit={canEdit} unfinished={unfinished} callbackUrl={callbackUrl()} /> : null}

          {connection.clientCertPem ? (
            <Card title="Client SSL certificate">
              <p className="[overflow-wrap:anywhere] text-sm font-medium text-slate-800">{connection.clientCertSubject}</p>
              {expiry ? <p className="mt-1 text-sm text-slate-600">{expiry.message}</p> : null}
              {expiry && expiry.expiry !== "valid" ? (
                <div className="mt-3">
                  <Alert tone={expiry.expiry === "expired" ? "red" : "amber"}>{expiry.expiry === "expired" ? "This certificate has expired: servers will refuse it. Upload a renewed one." : "This certificate expires soon. Upload a renewed one before it does."}</Alert>
                </div>
              ) : null}
            </Card>
          ) : null}

          {linkable ? (
            <Card title="Connect links" description="Someone outside the team (the owner of the account) can complete this connection from a link you send them.">
              <ConnectLinksPanel
                teamSlug={slug}
                connectionId={connection.id}
                canEdit={canEdit}
                oauth={connection.authType === "OAUTH2_CODE"}
                olderHref={olderLinks ? `/t/${slug}/connections/${connection.id}?links=${encodeURIComponent(olderLinks)}#connect-links` : null}
                newestHref={linksCursor ? `/t/${slug}/connections/${connection.id}#connect-links` : null}
                links={connectLinks.map((link) => ({
                  id: link.id,
                  state: link.state,
                  createdByLabel: link.createdByLabel,
                  createdAt: link.createdAt.toISOString(),
                  expiresAt: link.expiresAt.toISOString(),
                  openedAt: link.openedAt?.toISOString() ?? null,
                  usedAt: link.usedAt?.toISOString() ?? null,
                  revokedAt: link.revokedAt?.toISOString() ?? null,
                }))}
              />
            </Card>
          ) : null}

            <Card className="order-last lg:order-none" title="Use it from a service" description="Services call the API through Keyway's proxy with a team API key; they never see this connection's secrets.">
              <CopyField label="Proxy URL" value={`${publicUrl()}/api/proxy/${connection.id}`} />
              <p className="mt-3 text-sm text-slate-600">
                Add the API&apos;s path after it (<code className="font-mono">…/users?limit=10</code>) and send <code className="font-mono">Authorization: Bearer kw_…</code>.{" "}
                {roleAtLeast(membership.role, "ADMIN") ? (
                  <Link href={`/t/${slug}/api-keys`} className="text-brand-700 underline">
                    Create an API key
                  </Link>
                ) : (
                  "A team admin creates API keys."
                )}
              </p>
              <div className="mt-4 border-t border-slate-200 pt-4">
                <h3 className="text-sm font-medium text-slate-900">Credentials for services</h3>
                {roleAtLeast(membership.role, "ADMIN") ? (
                  <div className="mt-2">
                    <CredentialsAccessForm teamSlug={slug} connectionId={connection.id} allowed={connection.credentialsReadable} />
                  </div>
                ) : (
                  <p className="mt-1 text-sm text-slate-600">
                    {connection.credentialsReadable
                      ? "Services with a credentials:read key may read this connection's credentials (every read is in the audit log)."
                      : "Services cannot read this connection's credentials; only the proxy uses them. A team admin can change this."}
                  </p>
                )}
              </div>
            </Card>
        </div>

        <div className="contents lg:block lg:space-y-6">
          <HealthCard teamId={team.id} teamSlug={slug} connectionId={connection.id} state={stateOfConnection(connection)} canEdit={canEdit} />
          {canEdit ? (
            <TestPanel teamSlug={slug} connectionId={connection.id} baseUrl={connection.baseUrl} connectFirst={connectFirst ? providerName : undefined} />
          ) : (
            <Card title="Test connection">
              <p className="text-sm text-slate-600">Viewers can see this connection and its test history, but only members can send test requests.</p>
            </Card>
          )}
          <Card title="Test history" description={`The last ${50} test requests, newest first. Secrets are removed before a request is kept.`}>
            {history.length === 0 ? (
              <p className="text-sm text-slate-600">No test requests yet.</p>
            ) : (
              <ol className="-my-2 divide-y divide-slate-100" aria-label="Test history">
                {history.map((run) => (
                  <li key={run.id} className="py-2">
                    <TestRunDetails run={{ ...run, createdAt: run.createdAt.toISOString() }} baseUrl={connection.baseUrl} editHref={canEdit ? `/t/${slug}/connections/${connection.id}/edit` : undefined} />
                  </li>
                ))}
              </ol>
            )}
          </Card>
        </div>
      </div>
    </>
  );
}
