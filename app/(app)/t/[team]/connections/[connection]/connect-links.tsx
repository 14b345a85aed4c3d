"use client";

import Link from "next/link";
import { useActionState } from "react";
import { CopyField } from "@/components/copy-button";
import { LiveTime } from "@/components/live-time";
import { SelectField, SubmitButton } from "@/components/form";
import { Alert, Badge } from "@/components/ui";
import type { FormState } from "@/lib/forms";
import { createConnectLinkAction, revokeConnectLinkAction } from "./connect-link-actions";

export type ConnectLinkRow = { id: string; state: "active" | "used" | "expired" | "revoked"; createdByLabel: string; createdAt: string; expiresAt: string; openedAt: string | null; usedAt: string | null; revokedAt: string | null };

const EXPIRY_CHOICES = [
  { hours: 1, label: "1 hour" },
  { hours: 24, label: "1 day" },
  { hours: 72, label: "3 days" },
  { hours: 168, label: "7 days" },
];

const STATE_BADGE = { active: { tone: "brand", text: "Waiting" }, used: { tone: "green", text: "Used" }, expired: { tone: "slate", text: "Expired" }, revoked: { tone: "slate", text: "Revoked" } } as const;

function RevokeButton({ teamSlug, connectionId, linkId }: { teamSlug: string; connectionId: string; linkId: string }) {
  const [state, action] = useActionState<FormState, FormData>(revokeConnectLinkAction.bind(null, teamSlug, connectionId, linkId), {});
  return (
    <form action={action}>
      {state.error ? <p className="text-xs text-red-700">{state.error}</p> : null}
      <SubmitButton variant="secondary" pendingText="Revoking…" className="!px-2 !py-1 text-xs">
        Revoke
      </SubmitButton>
    </form>
  );
}

export function ConnectLinksPanel({
  teamSlug,
  connectionId,
  links,
  canEdit,
  oauth,
  olderHref = null,
  newestHref = null,
}: {
  teamSlug: string;
  connectionId: string;
  links: ConnectLinkRow[];
  canEdit: boolean;
  oauth: boolean;
  /** The next (older) page of links, when there is one. */
  olderHref?: string | null;
  /** Back to the newest links, when an older page is shown. */
  newestHref?: string | null;
}) {
  const [state, action] = useActionState<FormState, FormData>(createConnectLinkAction.bind(null, teamSlug, connectionId), {});
  return (
    <div id="connect-links" className="space-y-4">
      {canEdit ? (
        <form action={action} className="space-y-3">
          {state.error ? <Alert>{state.error}</Alert> : null}
          {state.ok && state.result?.url ? (
            <div className="space-y-2 rounded-md border border-emerald-200 bg-emerald-50 p-3">
              <p className="text-sm font-medium text-emerald-900" role="status">
                Link created. Copy it now: Keyway shows it only once.
              </p>
              <CopyField label="Connect link" value={state.result.url} />
            </div>
          ) : null}
          <div className="flex flex-wrap items-end gap-3">
            <div className="min-w-40">
              <SelectField label="Expires after" id="connect-link-expiry" name="expiresInHours" defaultValue="72" error={state.fieldErrors?.expiresInHours}>
                {EXPIRY_CHOICES.map((choice) => (
                  <option key={choice.hours} value={choice.hours}>
                    {choice.label}
                  </option>
                ))}
              </SelectField>
            </div>
            <SubmitButton variant="secondary" pendingText="Creating…">
              Create connect link
            </SubmitButton>
          </div>
          <p className="text-xs text-slate-600">
            {oauth
              ? "Whoever opens the link can authorize this connection at the provider with their own account, once, without a Keyway account. They see the team's name, this connection's name, the provider and the scopes, nothing else."
              : "Whoever opens the link can type this connection's secret fields, once, without a Keyway account. They see the team's name, this connection's name and the fields' names, nothing else."}
          </p>
        </form>
      ) : null}
      {links.length === 0 ? (
        <p className="text-sm text-slate-600">No connect links yet.</p>
      ) : (
        <ul className="-my-2 divide-y divide-slate-100" aria-label="Connect links">
          {links.map((link) => (
            <li key={link.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
              <div className="min-w-0 text-sm">
                <Badge tone={STATE_BADGE[link.state].tone}>{STATE_BADGE[link.state].text}</Badge>
                <span className="ml-2 text-slate-700">
                  {link.state === "used" && link.usedAt ? (
                    <>Completed <LiveTime date={link.usedAt} /></>
                  ) : link.state === "revoked" && link.revokedAt ? (
                    <>Revoked <LiveTime date={link.revokedAt} /></>
                  ) : link.state === "expired" ? (
                    <>Expired <LiveTime date={link.expiresAt} /></>
                  ) : (
                    <>
                      {link.openedAt ? (
                        <>
                          Opened <LiveTime date={link.openedAt} />;{" "}
                        </>
                      ) : (
                        "Not opened yet; "
                      )}
                      expires <LiveTime date={link.expiresAt} />
                    </>
                  )}
                </span>
                <span className="block text-xs text-slate-600">
                  Created by {link.createdByLabel}, <LiveTime date={link.createdAt} />
                </span>
              </div>
              {canEdit && link.state === "active" ? <RevokeButton teamSlug={teamSlug} connectionId={connectionId} linkId={link.id} /> : null}
            </li>
          ))}
        </ul>
      )}
      {olderHref || newestHref ? (
        <nav className="flex gap-4 text-sm" aria-label="Connect link pages">
          {newestHref ? (
            <Link href={newestHref} className="font-medium text-brand-700 hover:underline">
              Newest links
            </Link>
          ) : null}
          {olderHref ? (
            <Link href={olderHref} className="font-medium text-brand-700 hover:underline">
              Older links
            </Link>
          ) : null}
        </nav>
      ) : null}
    </div>
  );
}
