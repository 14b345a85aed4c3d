import type { Metadata } from "next";
import Link from "next/link";
import { Alert, EmptyState, LinkButton, PageHeader } from "@/components/ui";
import { Time } from "@/components/time";
import { ListIcon } from "@/components/icons";
import { requireMember } from "@/lib/access";
import { AUDIT_ACTIONS, AUDIT_OBJECT_TYPES } from "@/lib/audit";
import { actorNames, AUDIT_PAGE_SIZE, auditFilterSchema, filterInput, listAuditEvents, type AuditFilter, type AuditRow } from "@/lib/audit-log";
import { auditSentence } from "@/lib/audit-sentence";
import { fieldErrorsOf } from "@/lib/forms";
import { Field, SelectField } from "@/components/form";

export const metadata: Metadata = { title: "Audit log" };

const OBJECT_LABEL: Record<(typeof AUDIT_OBJECT_TYPES)[number], string> = {
  team: "Team",
  member: "Member",
  invitation: "Invitation",
  connection: "Connection",
  oauth_client: "OAuth client",
  api_key: "API key",
  agent: "Agent",
  account: "Account",
  notification_channel: "Notification channel",
};

type Search = Record<string, string | string[] | undefined>;

function query(filter: Partial<AuditFilter>): string {
  const params = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""));
  const text = params.toString();
  return text ? `?${text}` : "";
}

/** Where an event's object lives in the app, when it still can be opened. */
function objectHref(slug: string, event: AuditRow): string | null {
  if (!event.objectId) return null;
  if (event.objectType === "connection") return `/t/${slug}/connections/${event.objectId}`;
  if (event.objectType === "oauth_client") return `/t/${slug}/clients/${event.objectId}`;
  if (event.objectType === "api_key") return `/t/${slug}/api-keys`;
  if (event.objectType === "agent") return `/t/${slug}/agents`;
  if (event.objectType === "notification_channel") return `/t/${slug}/notifications`;
  return null;
}

function detailEntries(data: unknown): Array<[string, string]> {
  if (!data || typeof data !== "object" || Array.isArray(data)) return [];
  return Object.entries(data as Record<string, unknown>)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : typeof v === "object" ? JSON.stringify(v) : String(v)]);
}

/**
 * One event as a sentence ("Ada tested Echo API — 200"), the person's email on
 * hover, and the raw action and data in a row that opens on demand. Stacked
 * on every width: a sentence reads the same on a phone.
 */
function AuditEventRow({ slug, event, actorName, showObjectFilter }: { slug: string; event: AuditRow; actorName?: string; showObjectFilter: boolean }) {
  const href = objectHref(slug, event);
  const sentence = auditSentence(event.action, event.data);
  const entries = detailEntries(event.data);
  // A link invitation has no email to name: "invited someone with a link", not "invited Invitation cmx61…".
  const unnamed = event.objectType === "invitation" ? "someone with a link" : event.objectId ? `${OBJECT_LABEL[event.objectType as keyof typeof OBJECT_LABEL] ?? event.objectType} ${event.objectId}` : null;
  const objectName = event.objectName ?? unnamed;
  return (
    <li data-testid="audit-event" className="px-4 py-3">
      <p className="text-sm text-slate-800 [overflow-wrap:anywhere]">
        <Link href={`/t/${slug}/audit${query({ actor: event.actorLabel })}`} title={`${event.actorLabel}: only this person's events`} className="font-medium text-slate-900 hover:underline">
          {actorName ?? event.actorLabel}
        </Link>{" "}
        {sentence.before}
        {sentence.object && objectName ? (
          <>
            {" "}
            {href ? (
              <Link href={href} className="font-medium text-slate-900 hover:underline">
                {objectName}
              </Link>
            ) : (
              <span className="font-medium text-slate-900">{objectName}</span>
            )}
          </>
        ) : null}
        {sentence.after ? ` ${sentence.after}` : null}
        {sentence.outcome ? (
          <>
            {" — "}
            <span className="font-medium">{sentence.outcome}</span>
          </>
        ) : null}
      </p>
      <div className="mt-1 flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-slate-600">
        <Time date={event.createdAt} />
        {/* An IPv4 client of a dual-stack server arrives as ::ffff:a.b.c.d; people know it as a.b.c.d. */}
        {event.ip ? <span>from {event.ip.replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, "")}</span> : null}
        {event.objectId && showObjectFilter ? (
          <Link href={`/t/${slug}/audit${query({ objectId: event.objectId })}`} className="font-medium text-brand-700 hover:underline" aria-label={`Only events of ${event.objectName ?? event.objectId}`}>
            its events
          </Link>
        ) : null}
      </div>
      <details className="group mt-1">
        <summary className="inline-flex cursor-pointer list-none items-center gap-1 text-xs font-medium text-slate-600 hover:text-slate-900 [&::-webkit-details-marker]:hidden">
          <span aria-hidden="true" className="inline-block transition-transform group-open:rotate-90">
            ›
          </span>
          Details
        </summary>
        <dl className="mt-2 grid gap-x-4 gap-y-1 rounded-md bg-slate-50 p-3 text-xs sm:grid-cols-[10rem_minmax(0,1fr)]">
          <dt className="text-slate-600">action</dt>
          <dd className="font-mono text-slate-900">{event.action}</dd>
          <dt className="text-slate-600">actor</dt>
          <dd className="text-slate-900 [overflow-wrap:anywhere]">{event.actorLabel}</dd>
          {event.objectId ? (
            <>
              <dt className="text-slate-600">{event.objectType} id</dt>
              <dd className="font-mono text-slate-900 [overflow-wrap:anywhere]">{event.objectId}</dd>
            </>
          ) : null}
          {entries.map(([key, value]) => (
            <div key={key} className="contents">
              <dt className="text-slate-600">{key}</dt>
              <dd className="text-slate-900 [overflow-wrap:anywhere]">{value}</dd>
            </div>
          ))}
        </dl>
      </details>
    </li>
  );
}

export default async function AuditPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<Search> }) {
  const { team: slug } = await params;
  const { team } = await requireMember(slug, "ADMIN");
  const raw = filterInput(await searchParams);
  const parsed = auditFilterSchema.safeParse(raw);
  const filter: AuditFilter = parsed.success ? parsed.data : {};
  const errors = parsed.success ? {} : fieldErrorsOf(parsed.error);
  const { events, older } = parsed.success ? await listAuditEvents(team.id, filter) : { events: [], older: undefined };
  const names = await actorNames(events);
  const { before: _cursor, ...withoutCursor } = filter;
  const filtered = Object.keys(withoutCursor).length > 0;

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every change to this team's connections, OAuth clients, tokens, members and settings: who, what, when and from where, without secret values. The log cannot be edited or deleted."
        actions={
          <LinkButton variant="secondary" href={`/t/${slug}/audit/export${query(withoutCursor)}`} prefetch={false} download>
            Download CSV
          </LinkButton>
        }
      />

      <form method="get" className="mb-4 grid gap-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm sm:grid-cols-2 lg:grid-cols-3" aria-label="Filter events">
        <Field id="filter-actor" label="Actor (email)" name="actor" defaultValue={raw.actor ?? ""} error={errors.actor} placeholder="ada@example.com" />
        <SelectField id="filter-action" label="Action" name="action" defaultValue={raw.action ?? ""} error={errors.action}>
          <option value="">Any action</option>
          {AUDIT_ACTIONS.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </SelectField>
        <SelectField id="filter-objectType" label="Object type" name="objectType" defaultValue={raw.objectType ?? ""} error={errors.objectType}>
          <option value="">Any type</option>
          {AUDIT_OBJECT_TYPES.map((t) => (
            <option key={t} value={t}>
              {OBJECT_LABEL[t]}
            </option>
          ))}
        </SelectField>
        <Field id="filter-objectId" label="Object ID" name="objectId" defaultValue={raw.objectId ?? ""} error={errors.objectId} placeholder="c3f2…" />
        <Field id="filter-from" label="From (UTC)" name="from" type="date" defaultValue={raw.from ?? ""} error={errors.from} />
        <Field id="filter-to" label="To (UTC, included)" name="to" type="date" defaultValue={raw.to ?? ""} error={errors.to} />
        <div className="flex flex-wrap items-end gap-2 sm:col-span-2 lg:col-span-3">
          <button type="submit" className="inline-flex items-center rounded-md bg-brand-600 px-3.5 py-2 text-sm font-medium text-white shadow-sm hover:bg-brand-700">
            Filter
          </button>
          {filtered ? (
            <Link href={`/t/${slug}/audit`} className="px-2 py-2 text-sm font-medium text-slate-700 hover:underline">
              Clear filters
            </Link>
          ) : null}
        </div>
      </form>

      {!parsed.success ? (
        <Alert>Some filters need your attention; see the messages next to them.</Alert>
      ) : events.length === 0 ? (
        <EmptyState icon={<ListIcon />} title={filtered ? "No events match these filters" : "No events yet"} />
      ) : (
        <>
          <ol className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white shadow-sm" aria-label="Audit events, newest first">
            {events.map((event) => (
              <AuditEventRow key={event.id.toString()} slug={slug} event={event} actorName={event.actorId ? names.get(event.actorId) : undefined} showObjectFilter={filter.objectId !== event.objectId} />
            ))}
          </ol>
          <nav aria-label="Pages" className="mt-3 flex flex-wrap items-center justify-between gap-2 text-sm">
            <span className="text-slate-600">
              {events.length} event{events.length === 1 ? "" : "s"} on this page{filter.before ? " (older events)" : ""}, at most {AUDIT_PAGE_SIZE} per page.
            </span>
            <span className="flex gap-3">
              {filter.before ? (
                <Link href={`/t/${slug}/audit${query(withoutCursor)}`} className="font-medium text-brand-700 hover:underline">
                  Newest events
                </Link>
              ) : null}
              {older ? (
                <Link href={`/t/${slug}/audit${query({ ...withoutCursor, before: older })}`} className="font-medium text-brand-700 hover:underline">
                  Older events
                </Link>
              ) : null}
            </span>
          </nav>
        </>
      )}
    </>
  );
}
