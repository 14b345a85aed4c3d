import type { ReactNode } from "react";
import { Badge } from "@/components/ui";
import { Time } from "@/components/time";
import type { DeliveryRow } from "@/lib/notifications/deliver";

// The delivery log of lib/notifications/deliver.ts, one list for every kind of
// delivery: a notification channel's events and a webhook receiver's forwards.

const STATE_BADGE: Record<string, { tone: "green" | "amber" | "red" | "slate" | "brand"; label: string }> = {
  pending: { tone: "brand", label: "Sending" },
  retrying: { tone: "amber", label: "Retrying" },
  delivered: { tone: "green", label: "Delivered" },
  failed: { tone: "red", label: "Failed" },
  digest: { tone: "slate", label: "In today's digest" },
};

export function DeliveryLog({
  deliveries,
  label,
  maxAttempts,
  empty,
  eventName,
  redeliver,
}: {
  deliveries: DeliveryRow[];
  label: string;
  maxAttempts: number;
  empty: string;
  eventName: (type: string) => string;
  /** The Redeliver control of one delivery, where it may be sent again. */
  redeliver?: (delivery: DeliveryRow) => ReactNode;
}) {
  if (deliveries.length === 0) return <p className="text-sm text-slate-600">{empty}</p>;
  return (
    <ul className="divide-y divide-slate-200 rounded-md border border-slate-200" aria-label={label}>
      {deliveries.map((delivery) => {
        const badge = STATE_BADGE[delivery.state] ?? { tone: "slate" as const, label: delivery.state };
        return (
          <li key={delivery.id} className="space-y-1 p-3 text-sm" data-testid="delivery">
            {/* The event line grows and wraps within itself, so Redeliver keeps its place at the row's end instead of dropping to a line of its own. */}
            <div className="flex items-start justify-between gap-2">
              <p className="flex min-w-0 flex-1 flex-wrap items-center gap-2">
                <Badge tone={badge.tone}>{badge.label}</Badge>
                <span className="font-medium text-slate-900">{eventName(delivery.eventType)}</span>
                {/* Event ids are long unbroken tokens (an event type, a connection id and an event id); on a phone they break anywhere instead of widening the page. */}
                <span className="min-w-0 font-mono text-xs text-slate-600 [overflow-wrap:anywhere]">{delivery.eventId}</span>
              </p>
              {redeliver && delivery.state !== "digest" && delivery.state !== "pending" ? redeliver(delivery) : null}
            </div>
            <p className="text-slate-800">{delivery.summary}</p>
            <p className="text-xs text-slate-600">
              {delivery.lastAttemptAt ? (
                <>
                  Last attempt <Time date={delivery.lastAttemptAt} />
                </>
              ) : (
                <>
                  Queued <Time date={delivery.createdAt} />
                </>
              )}
              {delivery.attempts > 0 ? ` · attempt ${delivery.attempts} of ${maxAttempts}` : ""}
              {delivery.responseStatus !== null ? ` · answered ${delivery.responseStatus}` : ""}
              {delivery.durationMs !== null ? ` · ${delivery.durationMs} ms` : ""}
            </p>
            {delivery.errorMessage ? <p className="text-xs text-red-700">{delivery.errorMessage}</p> : null}
            {delivery.responseExcerpt ? (
              <pre tabIndex={0} className="max-h-24 overflow-auto whitespace-pre-wrap [overflow-wrap:anywhere] rounded bg-slate-50 p-2 font-mono text-xs text-slate-700" data-testid="delivery-excerpt">
                {delivery.responseExcerpt}
              </pre>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
