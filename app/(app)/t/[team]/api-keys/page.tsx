import type { Metadata } from "next";
import { Time } from "@/components/time";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui";
import { KeyIcon } from "@/components/icons";
import { requireMember } from "@/lib/access";
import { listApiKeys, type ApiKeyState } from "@/lib/api-keys";
import { publicUrl } from "@/lib/config";
import { CreateApiKeyForm, RevokeApiKeyButton } from "./api-key-forms";

export const metadata: Metadata = { title: "API keys" };

const STATE_BADGE: Record<ApiKeyState, { tone: "green" | "amber" | "slate"; label: string }> = {
  active: { tone: "green", label: "Active" },
  expired: { tone: "amber", label: "Expired" },
  revoked: { tone: "slate", label: "Revoked" },
};

export default async function ApiKeysPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { team } = await requireMember(slug, "ADMIN");
  const keys = await listApiKeys(team.id);
  const proxyBase = `${publicUrl()}/api/proxy`;
  return (
    <>
      <PageHeader
        title="API keys"
        description={
          <>
            Keys that let {team.name}&apos;s services call its connections through Keyway&apos;s proxy, without ever holding the connections&apos; secrets, or manage the team through the{" "}
            <a className="font-medium text-brand-700 underline" href="/docs/api">
              management API
            </a>
            , within the scopes each key is given. Only admins see this page.
          </>
        }
      />
      <div className="space-y-6">
        <Card title="Create an API key" description="One key per service, so each can be revoked on its own.">
          <CreateApiKeyForm teamSlug={slug} proxyBase={proxyBase} apiBase={`${publicUrl()}/api/v1`} />
        </Card>

        {keys.length === 0 ? (
          <EmptyState icon={<KeyIcon />} title="No API keys yet">
            <p>
              A service sends its key as <code className="font-mono">Authorization: Bearer kw_…</code> to <code className="font-mono">{proxyBase}/&lt;connection id&gt;/&lt;path&gt;</code>, and Keyway forwards
              the request with the connection&apos;s credentials.
            </p>
          </EmptyState>
        ) : (
          <Card title="Keys" description="Last use is recorded every few seconds, not on every request.">
            <ul className="-my-4 divide-y divide-slate-200" aria-label="API keys">
              {keys.map((key) => (
                <li key={key.id} className="flex flex-col gap-3 py-4 sm:flex-row sm:items-center sm:justify-between">
                  <div className="min-w-0 space-y-1">
                    <p className="flex flex-wrap items-center gap-2 text-sm font-medium text-slate-900">
                      <span className="truncate">{key.name}</span>
                      <Badge tone={STATE_BADGE[key.state].tone}>{STATE_BADGE[key.state].label}</Badge>
                    </p>
                    <p className="font-mono text-xs text-slate-700">{key.prefix}…</p>
                    <p className="flex flex-wrap gap-1" aria-label={`Scopes of ${key.name}`}>
                      {key.scopes.map((scope) => (
                        <Badge key={scope} tone="brand">
                          {scope}
                        </Badge>
                      ))}
                    </p>
                    <p className="text-xs text-slate-600">
                      Created by {key.createdByLabel} <Time date={key.createdAt} /> · {key.lastUsedAt ? <>last used <Time date={key.lastUsedAt} /></> : "never used"} ·{" "}
                      {key.revokedAt
                        ? <>revoked <Time date={key.revokedAt} />{key.revokedByLabel ? ` by ${key.revokedByLabel}` : ""}</>
                        : key.expiresAt
                          ? <>{key.state === "expired" ? "expired" : "expires"} <Time date={key.expiresAt} /></>
                          : "does not expire"}
                    </p>
                  </div>
                  {key.state === "active" ? <RevokeApiKeyButton teamSlug={slug} apiKeyId={key.id} name={key.name} /> : null}
                </li>
              ))}
            </ul>
          </Card>
        )}
      </div>
    </>
  );
}
