"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { CodeBlock } from "@/components/copy-button";
import { Alert, Badge, cx } from "@/components/ui";
import type { WebhookEventDetail, WebhookEventSummary, WebhookEventsPage } from "@/lib/webhooks/events";
import { WEBHOOK_KEEP_COUNT, WEBHOOK_KEEP_DAYS, WEBHOOK_LIST_SIZE } from "@/lib/webhooks/limits";
import { HeaderList } from "@/components/header-list";
import { LiveTime } from "@/components/live-time";
import { curlCommand } from "@/lib/webhooks/replay";

// The connection's webhook events, kept up to date without a reload: while the
// tab is visible, polls the events route every 2 s for what arrived since the
// newest event shown, and merges it in by id.

const POLL_MS = 2000;

function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(2)} MB`;
}

function newestFirst(a: WebhookEventSummary, b: WebhookEventSummary): number {
  if (a.receivedAt !== b.receivedAt) return a.receivedAt < b.receivedAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

function merge(current: WebhookEventSummary[], arrived: WebhookEventSummary[]): WebhookEventSummary[] {
  const byId = new Map(current.map((e) => [e.id, e]));
  for (const event of arrived) byId.set(event.id, event);
  return [...byId.values()].sort(newestFirst).slice(0, WEBHOOK_LIST_SIZE);
}

/** Short in the list, in words in the event's details. */
function SignatureBadge({ verified, long = false }: { verified: boolean | null; long?: boolean }) {
  if (verified === true) return <Badge tone="green">{long ? "Verified with the signing secret" : "Verified"}</Badge>;
  if (verified === false) return <Badge tone="red">{long ? "Did not match the signing secret" : "Invalid"}</Badge>;
  return <Badge>{long ? "Not checked (no signing secret then)" : "Not checked"}</Badge>;
}

export function WebhookEvents({ eventsUrl, receiverUrl, initial, initialDetail }: { eventsUrl: string; receiverUrl: string; initial: WebhookEventsPage; initialDetail: WebhookEventDetail | null }) {
  const [events, setEvents] = useState(initial.events);
  const [kept, setKept] = useState(initial.kept);
  const [refused, setRefused] = useState({ count: initial.refusedCount, at: initial.lastRefusedAt });
  const [selectedId, setSelectedId] = useState<string | null>(initialDetail?.id ?? null);
  const [detail, setDetail] = useState<WebhookEventDetail | null>(initialDetail);
  const [detailError, setDetailError] = useState<string | null>(null);
  const newest = useRef<string | null>(initial.events[0]?.receivedAt ?? null);
  // The event asked for last: a slow answer for an earlier click must not replace it.
  const wanted = useRef<string | null>(initialDetail?.id ?? null);

  const select = useCallback(
    async (id: string, updateUrl = true) => {
      wanted.current = id;
      setSelectedId(id);
      setDetailError(null);
      if (updateUrl) window.history.replaceState(null, "", `?event=${encodeURIComponent(id)}`);
      try {
        const response = await fetch(`${eventsUrl}/${encodeURIComponent(id)}`, { cache: "no-store" });
        if (!response.ok) throw new Error(response.status === 404 ? "This event is no longer kept." : `The event could not be loaded (${response.status}).`);
        const loaded = (await response.json()) as WebhookEventDetail;
        if (wanted.current === id) setDetail(loaded);
      } catch (error) {
        if (wanted.current === id) setDetailError(error instanceof Error ? error.message : "The event could not be loaded.");
      }
    },
    [eventsUrl],
  );

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    async function poll() {
      timer = undefined;
      try {
        const query = newest.current ? `?after=${encodeURIComponent(newest.current)}` : "";
        const response = await fetch(`${eventsUrl}${query}`, { cache: "no-store" });
        // Signed out or removed from the team: stop asking.
        if (response.status === 401 || response.status === 403 || response.status === 404) return;
        if (response.ok) {
          const page = (await response.json()) as WebhookEventsPage;
          setKept(page.kept);
          setRefused({ count: page.refusedCount, at: page.lastRefusedAt });
          if (page.events.length > 0) {
            if (!newest.current || page.events[0]!.receivedAt > newest.current) newest.current = page.events[0]!.receivedAt;
            setEvents((current) => merge(current, page.events));
            // The first event to arrive on an empty page opens itself.
            if (wanted.current === null) void select(page.events[0]!.id, false);
          }
        }
      } catch {
        // Offline or a deploy in progress: the next tick tries again.
      }
      if (!stopped && document.visibilityState === "visible") timer = setTimeout(poll, POLL_MS);
    }
    function onVisibility() {
      if (document.visibilityState === "visible") {
        if (!timer) void poll();
      } else if (timer) {
        clearTimeout(timer);
        timer = undefined;
      }
    }
    if (document.visibilityState === "visible") timer = setTimeout(poll, POLL_MS);
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [eventsUrl, select]);

  return (
    <div className="space-y-4">
      <p className="text-sm text-slate-600" data-testid="webhook-events-note">
        {kept === 0
          ? `Keyway keeps the newest ${WEBHOOK_KEEP_COUNT.toLocaleString("en")} events for ${WEBHOOK_KEEP_DAYS} days. This list updates by itself.`
          : `Showing the newest ${Math.min(events.length, WEBHOOK_LIST_SIZE)} of ${kept.toLocaleString("en")} kept ${kept === 1 ? "event" : "events"}. Keyway keeps the newest ${WEBHOOK_KEEP_COUNT.toLocaleString("en")} for ${WEBHOOK_KEEP_DAYS} days; this list updates by itself.`}
      </p>
      {refused.count > 0 ? (
        <Alert tone="amber">
          {refused.count.toLocaleString("en")} {refused.count === 1 ? "event was" : "events were"} refused for a missing or wrong signature and not stored
          {refused.at ? (
            <>
              , the last <LiveTime date={refused.at} />
            </>
          ) : null}
          .
        </Alert>
      ) : null}
      {events.length === 0 ? (
        <div className="rounded-md border border-dashed border-slate-300 px-4 py-8 text-center text-sm text-slate-600" data-testid="webhook-events-empty">
          No events yet. POST something to the webhook URL; it shows up here within a few seconds.
        </div>
      ) : (
        <div className="grid gap-4 lg:grid-cols-[minmax(0,2fr)_minmax(0,3fr)] lg:items-start">
          <ol className="max-h-[36rem] divide-y divide-slate-100 overflow-auto rounded-md border border-slate-200" aria-label="Webhook events">
            {events.map((event) => (
              <li key={event.id}>
                <button
                  type="button"
                  onClick={() => void select(event.id)}
                  aria-current={event.id === selectedId ? "true" : undefined}
                  className={cx("block w-full px-3 py-2.5 text-left hover:bg-slate-50 focus:outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-brand-600", event.id === selectedId && "bg-brand-50 hover:bg-brand-50")}
                  data-testid="webhook-event"
                >
                  <span className="flex flex-wrap items-center justify-between gap-2">
                    <LiveTime date={event.receivedAt} className="text-sm font-medium text-slate-900" />
                    <SignatureBadge verified={event.signatureVerified} />
                  </span>
                  <span className="mt-1 flex flex-wrap gap-x-3 gap-y-0.5 text-xs text-slate-600">
                    <span className="font-mono">{event.sourceIp}</span>
                    <span className="font-mono">{event.contentType ?? "no content type"}</span>
                    <span>{formatSize(event.size)}</span>
                  </span>
                </button>
              </li>
            ))}
          </ol>
          <div className="min-w-0" aria-live="polite">
            {detailError ? <Alert>{detailError}</Alert> : detail && detail.id === selectedId ? <EventDetail event={detail} receiverUrl={receiverUrl} /> : <p className="text-sm text-slate-600">{selectedId ? "Loading the event…" : "Choose an event to see its headers and body."}</p>}
          </div>
        </div>
      )}
    </div>
  );
}

function EventDetail({ event, receiverUrl }: { event: WebhookEventDetail; receiverUrl: string }) {
  const headers = Object.entries(event.headers).sort(([a], [b]) => a.localeCompare(b));
  return (
    <article className="space-y-4" data-testid="webhook-event-detail" aria-label="Selected event">
      <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-4 gap-y-1.5 text-sm">
        <dt className="text-slate-600">Received</dt>
        <dd className="text-slate-900">
          <LiveTime date={event.receivedAt} />
        </dd>
        <dt className="text-slate-600">From</dt>
        <dd className="font-mono text-slate-900">{event.sourceIp}</dd>
        <dt className="text-slate-600">Content type</dt>
        <dd className="break-all font-mono text-slate-900">{event.contentType ?? "none"}</dd>
        <dt className="text-slate-600">Size</dt>
        <dd className="text-slate-900">{formatSize(event.size)}</dd>
        <dt className="text-slate-600">Signature</dt>
        <dd>
          <SignatureBadge verified={event.signatureVerified} long />
        </dd>
      </dl>
      <div>
        <h3 className="text-xs font-medium uppercase tracking-wide text-slate-600">Headers</h3>
        <HeaderList entries={headers} className="max-h-56" />
      </div>
      <div>
        <h3 className="text-xs font-medium uppercase tracking-wide text-slate-600">
          Body
          {event.body.kind === "json" ? " (JSON, formatted)" : ""}
          {(event.body.kind === "json" || event.body.kind === "text") && event.body.truncated ? ", first 256 KB" : ""}
        </h3>
        {event.body.kind === "binary" ? (
          <p className="mt-1 rounded-md border border-slate-200 bg-slate-50 p-3 text-sm text-slate-700">Binary content of {formatSize(event.body.size)}, not shown.</p>
        ) : event.body.kind === "empty" ? (
          <p className="mt-1 rounded-md border border-slate-200 bg-slate-50 p-3 text-sm text-slate-700">Empty body.</p>
        ) : (
          <CodeBlock value={event.body.text} label="Copy body" wrap className="mt-1" data-testid="webhook-event-body" />
        )}
      </div>
      <ReplayAsCurl event={event} receiverUrl={receiverUrl} />
    </article>
  );
}

/** The event as a curl command, to the receiver again or to a URL the user types (a local server under development, say). */
function ReplayAsCurl({ event, receiverUrl }: { event: WebhookEventDetail; receiverUrl: string }) {
  const [target, setTarget] = useState(receiverUrl);
  if (event.raw === undefined) return null;
  if (event.raw === null) return <p className="text-sm text-slate-600">This body is too large to copy as a curl command.</p>;
  const url = target.trim() || receiverUrl;
  return (
    <div>
      <h3 className="text-xs font-medium uppercase tracking-wide text-slate-600">Replay with curl</h3>
      <label className="mt-1 block text-sm text-slate-700" htmlFor={`replay-url-${event.id}`}>
        Send to
      </label>
      <input
        id={`replay-url-${event.id}`}
        type="url"
        value={target}
        onChange={(e) => setTarget(e.target.value)}
        className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 font-mono text-sm text-slate-900"
        autoComplete="off"
        spellCheck={false}
      />
      <p className="mt-1 text-xs text-slate-600">The same body and headers, signature headers included: a timestamped signature is refused once it is older than the receiver&apos;s replay window.</p>
      <CodeBlock value={curlCommand(url, event.headers, event.raw)} label="Copy" title="curl" wrap className="mt-2" data-testid="webhook-event-curl" />
    </div>
  );
}
