import Link from "next/link";
import { Alert, Card } from "@/components/ui";
import { CopyField } from "@/components/copy-button";
import { Time } from "@/components/time";
import { SubmitButton } from "@/components/form";
import type { ConnectionView } from "@/lib/connections";
import { explainOAuthError } from "@/lib/oauth/errors";
import { noRefreshTokenHint } from "@/lib/oauth/no-refresh-token";
import { oauthState } from "@/lib/oauth/state";
import { isServiceAccountType } from "@/lib/connections/schemas";
import { connectConnectionAction } from "../actions";
import { DisconnectButton } from "./disconnect-button";

type Outcome = { outcome: string | null; errorCode: string | null; errorDescription: string | null } | null;

// Dates as everywhere in Keyway: <Time> (relative, the exact UTC time on hover).
function expiryText(expiresAt: Date | null): React.ReactNode {
  if (!expiresAt) return "does not expire (as far as the provider said)";
  const minutes = Math.round((expiresAt.getTime() - Date.now()) / 60_000);
  if (minutes < 0) return <>expired <Time date={expiresAt} />; refreshed at the next use</>;
  if (minutes < 2) return <>expires <Time date={expiresAt} />; refreshed at the next use</>;
  return <>expires <Time date={expiresAt} /></>;
}

/** The outcome of the authorization the user just came back from (read from the database, never from the URL). */
export function AuthorizationOutcome({ outcome, callbackUrl, consoleUrl, tokens, provider }: { outcome: Outcome; callbackUrl: string; consoleUrl?: string; tokens?: { expiresAt: Date | null; hasRefreshToken: boolean } | null; provider?: string | null }) {
  if (!outcome) return null;
  if (outcome.outcome === "connected") {
    if (tokens && !tokens.hasRefreshToken && tokens.expiresAt) {
      return (
        <Alert tone="amber" title="Connected, without a refresh token">
          The provider granted access, but issued no refresh token: the access token works until it expires (<Time date={tokens.expiresAt} />), and then the connection needs Connect again. {noRefreshTokenHint(provider)}
        </Alert>
      );
    }
    return <Alert tone="green" title="Connected">The provider granted access and Keyway saved the tokens, encrypted. Send a test request to check that the API accepts them.</Alert>;
  }
  const problem = explainOAuthError(outcome.errorCode ?? "unknown_error", outcome.errorDescription);
  return (
    <div role="alert" className="space-y-3 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900" data-testid="authorization-error">
      <p className="font-semibold">
        Not connected: {problem.title} <span className="font-mono text-xs font-normal">({problem.code})</span>
      </p>
      {outcome.errorDescription ? (
        problem.fromKeyway ? (
          <p>{outcome.errorDescription}</p>
        ) : (
          <p>
            The provider said: <q className="italic">{outcome.errorDescription}</q>
          </p>
        )
      ) : null}
      <p>{problem.fix}</p>
      {problem.showCallbackUrl ? (
        <div className="rounded-md border border-red-200 bg-white p-3 text-slate-900">
          <CopyField value={callbackUrl} label="Callback URL to register" />
          <p className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-sm">
            <Link href="/guide/register-client#troubleshooting" className="font-medium text-brand-700 hover:underline">
              Guide: fixing redirect_uri_mismatch
            </Link>
            {consoleUrl ? (
              <a href={consoleUrl} target="_blank" rel="noreferrer" className="font-medium text-brand-700 hover:underline">
                Open the provider&apos;s console
              </a>
            ) : null}
          </p>
        </div>
      ) : null}
    </div>
  );
}

/** Where the access token stands, in words that match the state (a token nothing can renew is not "refreshed at the next use"). */
function tokenText(expiresAt: Date | null, renewable: boolean): React.ReactNode {
  if (renewable) return expiryText(expiresAt);
  if (!expiresAt) return "does not expire (as far as the provider said)";
  return <>expires <Time date={expiresAt} />; cannot be renewed</>;
}

/** The connect-time notice when a provider grants no refresh token for an expiring access token. */
function NoRefreshTokenNotice({ expiresAt, provider }: { expiresAt: Date; provider: string | null | undefined }) {
  return (
    <Alert tone="amber" title="No refresh token">
      <span data-testid="no-refresh-token">
        The provider issued no refresh token, so this access token cannot be renewed: Keyway uses it until it expires (<Time date={expiresAt} />), and then the connection needs Connect again. {noRefreshTokenHint(provider)}
      </span>
    </Alert>
  );
}

/** A Connect that went to the provider and never came back to Keyway's callback. */
function UnfinishedConnect({ startedAt, callbackUrl }: { startedAt: Date; callbackUrl: string }) {
  return (
    <div role="status" className="space-y-2 rounded-md border border-amber-200 bg-amber-50 px-4 py-3 text-sm text-amber-950" data-testid="unfinished-connect">
      <p className="font-semibold">The Connect started <Time date={startedAt} /> never came back from the provider.</p>
      <p>The most common causes:</p>
      <ul className="list-disc space-y-1 pl-5">
        <li>
          The redirect URI registered at the provider is not exactly Keyway&apos;s callback URL (scheme, host, port, path, trailing slash), so the provider showed its own error page instead of sending you back.
        </li>
        <li>Consent was refused or the provider&apos;s page was closed before the end.</li>
      </ul>
      <div className="rounded-md border border-amber-200 bg-white p-3 text-slate-900">
        <CopyField value={callbackUrl} label="This Keyway's callback URL" />
        <p className="mt-2 text-sm">
          <Link href="/guide/register-client#troubleshooting" className="font-medium text-brand-700 hover:underline">
            Check a redirect URI against it
          </Link>{" "}
          (paste the URL of the provider&apos;s error page).
        </p>
      </div>
    </div>
  );
}

/** Whether an authorization code connection still has to be (re)connected before it can be used. */
export function needsConnecting(connection: ConnectionView): boolean {
  return connection.authType === "OAUTH2_CODE" && oauthState(connection).kind !== "connected";
}

/**
 * The one thing to do on an authorization code connection that is not
 * connected: at the top of the page, the page's one primary button.
 */
export function ConnectCallout({ teamSlug, connection, providerName }: { teamSlug: string; connection: ConnectionView; providerName: string }) {
  const state = oauthState(connection);
  const connect = connectConnectionAction.bind(null, teamSlug, connection.id);
  const verb = state.kind === "not-connected" ? "Connect" : "Reconnect";
  return (
    <section aria-labelledby="connect-heading" className="mb-6 flex flex-col gap-3 rounded-lg border border-brand-100 bg-brand-50 p-4 sm:flex-row sm:items-center sm:justify-between sm:p-5" data-testid="connect-callout">
      <div className="min-w-0">
        <h2 id="connect-heading" className="text-base font-semibold text-slate-900">
          {state.kind === "not-connected" ? `Connect ${connection.name} to ${providerName}` : `${connection.name} needs to be connected again`}
        </h2>
        <p className="mt-0.5 text-sm text-slate-700">You sign in at {providerName} and approve access; then you come back here, and requests carry the token Keyway keeps.</p>
      </div>
      <form action={connect} className="shrink-0">
        <SubmitButton pendingText="Opening the provider…">
          {verb} to {providerName}
        </SubmitButton>
      </form>
    </section>
  );
}

export function OAuthCodePanel({
  teamSlug,
  connection,
  canEdit,
  unfinished,
  callbackUrl,
  connectAtTop = false,
}: {
  teamSlug: string;
  connection: ConnectionView;
  canEdit: boolean;
  unfinished?: { startedAt: Date } | null;
  callbackUrl: string;
  /** The page shows ConnectCallout, so this card does not repeat its button. */
  connectAtTop?: boolean;
}) {
  const tokens = connection.tokenSet;
  const state = oauthState(connection);
  const provider = connection.oauthClient?.provider;
  const connect = connectConnectionAction.bind(null, teamSlug, connection.id);
  return (
    <Card title="Authorization" description="Who granted Keyway access at the provider, and the tokens it holds.">
      <div className="space-y-3 text-sm">
        {state.kind === "connected" && tokens ? (
          <>
            <dl className="divide-y divide-slate-100">
              <div className="flex justify-between gap-3 py-2">
                <dt className="text-slate-600">State</dt>
                <dd className="font-medium text-emerald-800" data-testid="oauth-state">
                  Connected
                </dd>
              </div>
              <div className="flex justify-between gap-3 py-2">
                <dt className="text-slate-600">Connected</dt>
                <dd className="text-right text-slate-800">
                  <Time date={tokens.obtainedAt} />
                </dd>
              </div>
              <div className="flex justify-between gap-3 py-2">
                <dt className="text-slate-600">Access token</dt>
                <dd className="text-right text-slate-800">{tokenText(tokens.expiresAt, state.renewable)}</dd>
              </div>
              <div className="flex justify-between gap-3 py-2">
                <dt className="text-slate-600">Refresh token</dt>
                <dd className="text-right text-slate-800">{tokens.hasRefreshToken ? (
                    tokens.refreshedAt ? (
                      <>
                        yes; last used <Time date={tokens.refreshedAt} />
                      </>
                    ) : (
                      "yes"
                    )
                  ) : (
                    "none issued"
                  )}</dd>
              </div>
              <div className="flex justify-between gap-3 py-2">
                <dt className="text-slate-600">Granted scopes</dt>
                <dd className="[overflow-wrap:anywhere] text-right font-mono text-xs text-slate-800">{tokens.scope || "not stated by the provider"}</dd>
              </div>
            </dl>
            {!state.renewable && state.expiresAt ? <NoRefreshTokenNotice expiresAt={state.expiresAt} provider={provider} /> : null}
          </>
        ) : state.kind === "expired" ? (
          <Alert tone="amber" title="Token expired">
            <span data-testid="oauth-state">
              The access token expired <Time date={state.expiresAt} />, and the provider issued no refresh token to renew it. Reconnect to authorize again. {noRefreshTokenHint(provider)}
            </span>
          </Alert>
        ) : state.kind === "needs-reauth" ? (
          <Alert tone="amber" title="Needs re-authorization">
            <span data-testid="oauth-state">
              {state.hadRefreshToken
                ? "The provider no longer accepts this connection's refresh token (it was revoked, expired, or the user removed the app's access). Reconnect to authorize again."
                : `The provider no longer accepts the access token (it expired or was revoked), and it issued no refresh token to get a new one. Reconnect to authorize again. ${noRefreshTokenHint(provider)}`}
            </span>
          </Alert>
        ) : (
          <>
            <p className="text-slate-700" data-testid="oauth-state">
              Not connected{connectAtTop ? " yet (see above)." : ". Connect sends you to the provider to sign in and approve access; you come back here afterwards."}
            </p>
            {unfinished ? <UnfinishedConnect startedAt={unfinished.startedAt} callbackUrl={callbackUrl} /> : null}
          </>
        )}
        {canEdit && (!connectAtTop || tokens) ? (
          <div className="flex flex-wrap gap-2 pt-1">
            {connectAtTop ? null : (
              <form action={connect}>
                <SubmitButton pendingText="Opening the provider…" variant="secondary">
                  {state.kind === "not-connected" ? "Connect" : "Reconnect"}
                </SubmitButton>
              </form>
            )}
            {tokens ? <DisconnectButton teamSlug={teamSlug} connectionId={connection.id} revocable={Boolean(connection.oauthClient?.revocationUrl ?? connection.config.oauth?.revocationUrl)} /> : null}
          </div>
        ) : null}
      </div>
    </Card>
  );
}

export function ClientCredentialsPanel({ connection }: { connection: ConnectionView }) {
  const tokens = connection.tokenSet;
  const grant = isServiceAccountType(connection.authType) ? "the JWT bearer grant (a signed assertion)" : "the client credentials grant";
  return (
    <Card title="Access token" description={`Obtained with ${grant} when first needed, and reused until shortly before it expires.`}>
      <p className="text-sm text-slate-700" data-testid="oauth-state">
        {tokens ? (
          <>
            A token obtained <Time date={tokens.obtainedAt} /> is cached; it {expiryText(tokens.expiresAt)}.
          </>
        ) : (
          "No token yet: the first test request gets one."
        )}
      </p>
    </Card>
  );
}

export function OAuthSettingsRows({ teamSlug, connection }: { teamSlug: string; connection: ConnectionView }) {
  const oauth = connection.config.oauth;
  const client = connection.oauthClient;
  const scopes = oauth?.scopes ?? client?.scopes ?? [];
  if (isServiceAccountType(connection.authType)) {
    const rows: [string, string][] = [
      [connection.authType === "GOOGLE_SERVICE_ACCOUNT" ? "Service account" : "Issuer", oauth?.issuer ?? ""],
      ...(oauth?.assertionKid ? [["Key ID", oauth.assertionKid] as [string, string]] : []),
      ...(oauth?.subject ? [[connection.authType === "GOOGLE_SERVICE_ACCOUNT" ? "Impersonates" : "Subject", oauth.subject] as [string, string]] : []),
      ["Token URL", oauth?.tokenUrl ?? ""],
      ...(connection.authType === "OAUTH2_JWT_BEARER" ? [["Audience", oauth?.assertionAudience ?? oauth?.tokenUrl ?? ""] as [string, string], ["Algorithm", oauth?.assertionAlg ?? "RS256"] as [string, string]] : []),
      ["Scopes", scopes.length > 0 ? scopes.join(" ") : "none requested"],
    ];
    return (
      <>
        {rows.map(([label, value]) => (
          <div key={label} className="flex flex-wrap justify-between gap-2 py-2">
            <dt className="text-sm text-slate-600">{label}</dt>
            <dd className="[overflow-wrap:anywhere] text-right font-mono text-xs text-slate-800">{value}</dd>
          </div>
        ))}
      </>
    );
  }
  return (
    <>
      <div className="flex flex-wrap justify-between gap-2 py-2">
        <dt className="text-sm text-slate-600">OAuth client</dt>
        <dd className="text-right text-sm text-slate-800">
          {client ? (
            <Link href={`/t/${teamSlug}/clients/${client.id}`} className="font-medium text-brand-700 hover:underline">
              {client.name}
            </Link>
          ) : (
            <span className="font-mono text-xs">{oauth?.clientId} (typed in)</span>
          )}
        </dd>
      </div>
      {!client && oauth?.tokenUrl ? (
        <div className="flex flex-wrap justify-between gap-2 py-2">
          <dt className="text-sm text-slate-600">Token URL</dt>
          <dd className="[overflow-wrap:anywhere] text-right font-mono text-xs text-slate-800">{oauth.tokenUrl}</dd>
        </div>
      ) : null}
      <div className="flex flex-wrap justify-between gap-2 py-2">
        <dt className="text-sm text-slate-600">Scopes</dt>
        <dd className="[overflow-wrap:anywhere] text-right font-mono text-xs text-slate-800">{scopes.length > 0 ? scopes.join(" ") : "none requested"}{!oauth?.scopes && client ? " (client default)" : ""}</dd>
      </div>
      {oauth?.audience ? (
        <div className="flex flex-wrap justify-between gap-2 py-2">
          <dt className="text-sm text-slate-600">Audience</dt>
          <dd className="[overflow-wrap:anywhere] text-right font-mono text-xs text-slate-800">{oauth.audience}</dd>
        </div>
      ) : null}
    </>
  );
}

/** A three-legged OAuth 1.0a connection: whether Connect has run, who approved access and when; Connect, Reconnect, Disconnect. */
export function OAuth1ConnectPanel({ teamSlug, connection, canEdit, unfinished, callbackUrl }: { teamSlug: string; connection: ConnectionView; canEdit: boolean; unfinished?: { startedAt: Date } | null; callbackUrl: string }) {
  const tokens = connection.tokenSet?.tokenType === "OAuth1" ? connection.tokenSet : null;
  const connect = connectConnectionAction.bind(null, teamSlug, connection.id);
  return (
    <Card title="Authorization" description="OAuth 1.0a, three-legged: who approved Keyway's access at the provider.">
      <div className="space-y-3 text-sm">
        {tokens ? (
          <dl className="divide-y divide-slate-100">
            <div className="flex justify-between gap-3 py-2">
              <dt className="text-slate-600">State</dt>
              <dd className="font-medium text-emerald-800" data-testid="oauth-state">
                Connected
              </dd>
            </div>
            <div className="flex justify-between gap-3 py-2">
              <dt className="text-slate-600">Connected by</dt>
              <dd className="break-all text-right text-slate-800" data-testid="oauth1-connected-by">
                {tokens.connectedBy ?? "unknown"}
              </dd>
            </div>
            <div className="flex justify-between gap-3 py-2">
              <dt className="text-slate-600">Connected</dt>
              <dd className="text-right text-slate-800">
                  <Time date={tokens.obtainedAt} />
                </dd>
            </div>
            <div className="flex justify-between gap-3 py-2">
              <dt className="text-slate-600">Access token</dt>
              <dd className="text-right text-slate-800">encrypted, with its secret; valid until the provider revokes it</dd>
            </div>
          </dl>
        ) : (
          <>
            <p className="text-slate-700" data-testid="oauth-state">
              Not connected. Connect asks the provider for temporary credentials and sends you there to approve access; you come back here afterwards.
            </p>
            {unfinished ? <UnfinishedConnect startedAt={unfinished.startedAt} callbackUrl={callbackUrl} /> : null}
          </>
        )}
        {canEdit ? (
          <div className="flex flex-wrap gap-2 pt-1">
            <form action={connect}>
              <SubmitButton pendingText="Opening the provider…" variant={tokens ? "secondary" : "primary"}>
                {tokens ? "Reconnect" : "Connect"}
              </SubmitButton>
            </form>
            {tokens ? <DisconnectButton teamSlug={teamSlug} connectionId={connection.id} revocable={false} /> : null}
          </div>
        ) : null}
      </div>
    </Card>
  );
}
