import type { Metadata } from "next";
import { headers } from "next/headers";
import { Card } from "@/components/ui";
import { Time } from "@/components/time";
import { openConnectLink } from "@/lib/connect-links";
import { clientIp } from "@/lib/request-ip";
import { AuthorizeForm, SecretsForm } from "../connect-forms";

// The page behind a connect link, for someone without a Keyway account. It
// shows which team asks, for which connection, which provider and scopes (or
// which secret fields), and nothing else of the team.

export const metadata: Metadata = { title: "Connect an account", referrer: "no-referrer", robots: { index: false, follow: false } };
export const dynamic = "force-dynamic";

const ENDED = {
  used: "This link was already used. Each link works once; ask the person who sent it for a new one if something is still missing.",
  expired: "This link has expired. Ask the person who sent it for a new one.",
  revoked: "This link was withdrawn by the team. Ask the person who sent it for a new one.",
  unknown: "This link is not valid. Check that you copied all of it, or ask the person who sent it for a new one.",
} as const;

export default async function ConnectLinkPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const found = await openConnectLink(token, clientIp(await headers()));
  if (found.state !== "active") {
    return (
      <Card>
        <h1 className="mb-2 text-xl font-semibold text-slate-900">This link cannot be used</h1>
        <p className="text-sm text-slate-600" data-testid="connect-link-ended">
          {ENDED[found.state]}
        </p>
      </Card>
    );
  }
  const { link } = found;
  return (
    <Card>
      <p className="text-sm font-medium text-brand-700">{link.teamName} asks you to connect</p>
      <h1 className="mb-3 mt-1 break-words text-xl font-semibold text-slate-900">{link.connectionName}</h1>
      {link.kind === "oauth" ? (
        <>
          <p className="mb-4 text-sm text-slate-600">
            You will sign in at <span className="font-medium text-slate-800">{link.provider}</span> and allow access there. Keyway, the team&apos;s credential manager, keeps the tokens for them; you need no Keyway account, and you never see the team&apos;s other connections.
          </p>
          <div className="mb-5">
            <p className="text-sm font-medium text-slate-800">Access asked for</p>
            {link.scopes.length > 0 ? (
              <ul className="mt-1 flex flex-wrap gap-1.5" aria-label="Scopes">
                {link.scopes.map((scope) => (
                  <li key={scope} className="rounded bg-slate-100 px-2 py-0.5 font-mono text-xs text-slate-800">
                    {scope}
                  </li>
                ))}
              </ul>
            ) : (
              <p className="mt-1 text-sm text-slate-600">The provider&apos;s default access (no scopes named).</p>
            )}
          </div>
          <AuthorizeForm token={token} provider={link.provider} />
        </>
      ) : (
        <>
          <p className="mb-4 text-sm text-slate-600">
            Enter the secrets below. They are encrypted and stored for the team; nobody, including you, can read them back here. You need no Keyway account.
          </p>
          <SecretsForm token={token} slots={link.slots} />
        </>
      )}
      <p className="mt-5 text-xs text-slate-600">The link works once and expires <Time date={link.expiresAt} />.</p>
    </Card>
  );
}
