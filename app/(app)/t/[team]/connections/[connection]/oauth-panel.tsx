import Link from "next/link";
import { Alert, Card, formatDateTime } from "@/components/ui";
import { CopyField } from "@/components/copy-button";
import { SubmitButton } from "@/components/form";
import type { ConnectionView } from "@/lib/connections";
import { explainOAuthError } from "@/lib/oauth/errors";
import { connectConnectionAction } from "../actions";
import { DisconnectButton } from "./disconnect-button";

type Outcome = { outcome: string | null; errorCode: string | null; errorDescription: string | null } | null;

function expiryText(expiresAt: Date | null): string {
  if (!expiresAt) return "does not expire (as far as the provider said)";
  const minutes = Math.round((expiresAt.getTime() - Date.now()) / 60_000);
  if (minutes < 0) return `expired ${formatDateTime(expiresAt)}; refreshed at the next use`;
  if (minutes < 2) return `expires ${formatDateTime(expiresAt)}; refreshed at the next use`;
  return `expires ${formatDateTime(expiresAt)} (in ${minutes < 120 ? `${minutes} minutes` : `${Math.round(minutes / 60)} hours`})`;
}

/** The outcome of the authorization the user just came back from (read from the database, never from the URL). */
export function AuthorizationOutcome({ outcome, callbackUrl, consoleUrl }: { outcome: Outcome; callbackUrl: string; consoleUrl?: string }) {
  if (!outcome) return null;
  if (outcome.outcome === "connected") {
    return <Alert tone="green" title="Connected">The provider granted access and Keyway saved the tokens, encrypted. Send a test request to check that the API accepts them.</Alert>;
  }
  const problem = explainOAuthError(outcome.errorCode ?? "unknown_error", outcome.errorDescription);
  return (
    <div role="alert" className="space-y-3 rounded-md border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900" data-testid="authorization-error">
      <p className="font-semibold">
        Not connected: {problem.title} <span className="font-mono text-xs font-normal">({problem.code})</span>
      </p>
      {outcome.errorDescription ? (
        <p>
          The provider said: <q className="italic">{outcome.errorDescription}</q>
        </p>
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

export function OAuthCodePanel({ teamSlug, connection, canEdit }: { teamSlug: string; connection: ConnectionView; canEdit: boolean }) {
  const tokens = connection.tokenSet;
  const needsReauth = connection.status === "NEEDS_REAUTH";
  const connect = connectConnectionAction.bind(null, teamSlug, connection.id);
  return (
    <Card title="Authorization" description="Who granted Keyway access at the provider, and the tokens it holds.">
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
              <dt className="text-slate-600">Connected</dt>
              <dd className="text-right text-slate-800">{formatDateTime(tokens.obtainedAt)}</dd>
            </div>
            <div className="flex justify-between gap-3 py-2">
              <dt className="text-slate-600">Access token</dt>
              <dd className="text-right text-slate-800">{expiryText(tokens.expiresAt)}</dd>
            </div>
            <div className="flex justify-between gap-3 py-2">
              <dt className="text-slate-600">Refresh token</dt>
              <dd className="text-right text-slate-800">{tokens.hasRefreshToken ? (tokens.refreshedAt ? `yes; last used ${formatDateTime(tokens.refreshedAt)}` : "yes") : "none issued"}</dd>
            </div>
            <div className="flex justify-between gap-3 py-2">
              <dt className="text-slate-600">Granted scopes</dt>
              <dd className="break-all text-right font-mono text-xs text-slate-800">{tokens.scope || "not stated by the provider"}</dd>
            </div>
          </dl>
        ) : needsReauth ? (
          <Alert tone="amber" title="Needs re-authorization">
            The provider no longer accepts this connection&apos;s refresh token (it was revoked, expired, or the user removed the app&apos;s access). Reconnect to authorize again.
          </Alert>
        ) : (
          <p className="text-slate-700" data-testid="oauth-state">
            Not connected. Connect sends you to the provider to sign in and approve access; you come back here afterwards.
          </p>
        )}
        {canEdit ? (
          <div className="flex flex-wrap gap-2 pt-1">
            <form action={connect}>
              <SubmitButton pendingText="Opening the provider…" variant={tokens ? "secondary" : "primary"}>
                {tokens || needsReauth ? "Reconnect" : "Connect"}
              </SubmitButton>
            </form>
            {tokens ? <DisconnectButton teamSlug={teamSlug} connectionId={connection.id} revocable={Boolean(connection.oauthClient?.revocationUrl ?? connection.config.oauth?.revocationUrl)} /> : null}
          </div>
        ) : null}
      </div>
    </Card>
  );
}

export function ClientCredentialsPanel({ connection }: { connection: ConnectionView }) {
  const tokens = connection.tokenSet;
  return (
    <Card title="Access token" description="Obtained with the client credentials grant when first needed, and reused until shortly before it expires.">
      <p className="text-sm text-slate-700" data-testid="oauth-state">
        {tokens ? `A token obtained ${formatDateTime(tokens.obtainedAt)} is cached; it ${expiryText(tokens.expiresAt)}.` : "No token yet: the first test request gets one."}
      </p>
    </Card>
  );
}

export function OAuthSettingsRows({ teamSlug, connection }: { teamSlug: string; connection: ConnectionView }) {
  const oauth = connection.config.oauth;
  const client = connection.oauthClient;
  const scopes = oauth?.scopes ?? client?.scopes ?? [];
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
          <dd className="break-all text-right font-mono text-xs text-slate-800">{oauth.tokenUrl}</dd>
        </div>
      ) : null}
      <div className="flex flex-wrap justify-between gap-2 py-2">
        <dt className="text-sm text-slate-600">Scopes</dt>
        <dd className="break-all text-right font-mono text-xs text-slate-800">{scopes.length > 0 ? scopes.join(" ") : "none requested"}{!oauth?.scopes && client ? " (client default)" : ""}</dd>
      </div>
      {oauth?.audience ? (
        <div className="flex flex-wrap justify-between gap-2 py-2">
          <dt className="text-sm text-slate-600">Audience</dt>
          <dd className="break-all text-right font-mono text-xs text-slate-800">{oauth.audience}</dd>
        </div>
      ) : null}
    </>
  );
}
