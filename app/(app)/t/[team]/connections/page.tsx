import type { Metadata } from "next";
import Link from "next/link";
import { Alert, Badge, buttonStyles, cx, EmptyState, inputStyles, LinkButton, PageHeader, selectStyles } from "@/components/ui";
import { Time } from "@/components/time";
import { PlugIcon } from "@/components/icons";
import { ProviderIcon } from "@/components/provider-icon";
import { requireMember, roleAtLeast } from "@/lib/access";
import { hasConnections, lastEventTimes, listConnections } from "@/lib/connections";
import { CONNECTION_SORTS, isFiltered, parseConnectionListQuery, type ConnectionListQuery } from "@/lib/connections/list-query";
import { AUTH_TYPE_LABEL, AUTH_TYPES, type AuthType } from "@/lib/connections/schemas";
import { ConnectionStatusBadge, STATUS_LABEL } from "./status-badge";
import { NeedsAttention } from "./needs-attention";

export const metadata: Metadata = { title: "Connections" };

type SearchParams = Record<string, string | string[] | undefined>;

export default async function ConnectionsPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<SearchParams> }) {
  const { team: slug } = await params;
  const { team, membership } = await requireMember(slug);
  const raw = await searchParams;
  const query = parseConnectionListQuery(raw);
  const canEdit = roleAtLeast(membership.role, "MEMBER");
  const connections = await listConnections(team.id, query);
  const filtered = isFiltered(query);
  const anyAtAll = connections.length > 0 || (filtered && (await hasConnections(team.id)));
  // The team's overview: what needs attention is shown whatever the list is narrowed to.
  const everyConnection = filtered ? await listConnections(team.id) : connections;
  const loadedAt = new Date().getTime();
  const newButton = canEdit ? <LinkButton href={`/t/${slug}/connections/new`}>New connection</LinkButton> : null;

  return (
    <>
      <PageHeader title="Connections" description="The APIs your team's software reaches: base URL, credentials, and proof that each one works." actions={anyAtAll ? newButton : null} />
      <NeedsAttention teamSlug={slug} connections={everyConnection} now={loadedAt} />
      {raw.joined ? (
        <div className="mb-4">
          <Alert tone="green">Welcome to {team.name}. You are now a member of this team.</Alert>
        </div>
      ) : null}
      {raw.deleted ? (
        <div className="mb-4">
          <Alert tone="green">Connection deleted.</Alert>
        </div>
      ) : null}
      {!anyAtAll ? (
        <EmptyState icon={<PlugIcon />} title="No connections yet" action={newButton}>
          <p>{canEdit ? "Add the first API your team's software talks to: its base URL and how it authenticates." : "Members of this team have not added any connections yet."}</p>
        </EmptyState>
      ) : (
        <>
          <ListControls slug={slug} query={query} />
          {connections.length === 0 ? (
            <div className="rounded-lg border border-dashed border-slate-300 bg-white px-6 py-10 text-center text-sm text-slate-600" role="status">
              <p className="font-medium text-slate-900">No connection matches.</p>
              <p className="mt-1">
                <Link href={`/t/${slug}/connections`} className="font-medium text-brand-700 hover:underline">
                  Clear the search and filters
                </Link>
              </p>
            </div>
          ) : (
            <ConnectionList slug={slug} connections={connections} />
          )}
        </>
      )}
    </>
  );
}

/** A plain GET form: the view is in the URL, so it can be shared, bookmarked, and used without JavaScript. */
function ListControls({ slug, query }: { slug: string; query: ConnectionListQuery }) {
  return (
    <form method="get" action={`/t/${slug}/connections`} role="search" aria-label="Search connections" className="mb-4 flex flex-col gap-2 sm:flex-row sm:flex-wrap sm:items-stretch">
      <div className="min-w-0 sm:min-w-56 sm:flex-1">
        <label htmlFor="connections-q" className="sr-only">
          Search by name or URL
        </label>
        <input id="connections-q" type="search" name="q" defaultValue={query.q ?? ""} placeholder="Search by name or URL" className={inputStyles} autoComplete="off" />
      </div>
      <div className="grid grid-cols-2 gap-2 sm:flex">
        <label className="sr-only" htmlFor="connections-status">
          Status
        </label>
        <select id="connections-status" name="status" defaultValue={query.status ?? ""} className={cx(selectStyles, "min-w-0")}>
          <option value="">Any status</option>
          {Object.entries(STATUS_LABEL).map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
        <label className="sr-only" htmlFor="connections-type">
          Auth type
        </label>
        <select id="connections-type" name="type" defaultValue={query.type ?? ""} className={cx(selectStyles, "min-w-0")}>
          <option value="">Any type</option>
          {AUTH_TYPES.map((type) => (
            <option key={type} value={type}>
              {AUTH_TYPE_LABEL[type]}
            </option>
          ))}
        </select>
        <label className="sr-only" htmlFor="connections-sort">
          Sort by
        </label>
        <select id="connections-sort" name="sort" defaultValue={query.sort} className={cx(selectStyles, "col-span-2 min-w-0 sm:col-span-1")}>
          {Object.entries(CONNECTION_SORTS).map(([value, { label }]) => (
            <option key={value} value={value}>
              Sort: {label}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className={buttonStyles.secondary}>
        Apply
      </button>
    </form>
  );
}

type Row = Awaited<ReturnType<typeof listConnections>>[number];

/** A receiver's status and "last tested" cells: nothing tests it, so its status says when its last event came. */
function ReceiverActivity({ lastEvent }: { lastEvent: Date | undefined }) {
  return (
    <>
      <span data-testid="connection-status">
        {lastEvent ? (
          <Badge tone="green">
            {/* One inline run: as separate flex items of the badge, the words lost the space between them. */}
            <span>
              Last event <Time date={lastEvent} />
            </span>
          </Badge>
        ) : (
          <Badge>No events yet</Badge>
        )}
      </span>
      <span className="hidden text-sm text-slate-600 md:block">
        <span aria-hidden="true">—</span>
        <span className="sr-only">Not tested: a receiver waits for its sender</span>
      </span>
    </>
  );
}

/**
 * A list rather than a table: on a phone each connection is a stacked card with
 * everything visible; from `sm` up the same items line up in columns.
 */
async function ConnectionList({ slug, connections }: { slug: string; connections: Row[] }) {
  // A webhook receiver is never tested or checked: its row says when it last heard from its sender instead.
  const lastEvents = await lastEventTimes(connections.filter((c) => c.authType === "WEBHOOK").map((c) => c.id));
  // Status badges ("Failing since 14 minutes ago", "Certificate expires in 12 days") stay on one line from md up.
  const columns = "sm:grid sm:grid-cols-[minmax(0,1fr)_13rem_12rem] sm:items-center sm:gap-4 md:grid-cols-[minmax(0,1fr)_13rem_13rem_9rem]";
  return (
    <div className="rounded-lg border border-slate-200 bg-white shadow-sm">
      <div aria-hidden="true" className={cx("hidden rounded-t-lg border-b border-slate-200 bg-slate-50 px-4 py-2.5 text-left text-xs font-medium uppercase tracking-wide text-slate-600", columns)}>
        <span>Name</span>
        <span>Auth type</span>
        <span>Status</span>
        <span className="hidden md:block">Last tested</span>
      </div>
      <ul className="divide-y divide-slate-200" aria-label="Connections">
        {connections.map((c) => (
          <li key={c.id} data-testid="connection-row" className={cx("relative flex flex-col gap-2 px-4 py-3 hover:bg-slate-50", columns)}>
            <div className="flex min-w-0 items-center gap-3">
              <ProviderIcon provider={c.oauthClient?.provider} />
              <div className="min-w-0">
                <p className="flex flex-wrap items-center gap-x-2 gap-y-1">
                  <Link href={`/t/${slug}/connections/${c.id}`} className="font-medium text-slate-900 break-words hover:text-brand-700 hover:underline">
                    {c.name}
                  </Link>
                  {c.agent ? (
                    <span className="inline-flex items-center rounded-full bg-slate-100 px-2 py-0.5 text-xs text-slate-700 ring-1 ring-inset ring-slate-200" title="Private network: requests go through this agent">
                      via {c.agent.name}
                    </span>
                  ) : null}
                </p>
                <p className="truncate text-xs text-slate-600" title={c.authType === "WEBHOOK" ? undefined : c.baseUrl}>
                  {c.authType === "WEBHOOK" ? "Receives webhooks" : c.baseUrl}
                </p>
              </div>
            </div>
            <div className="flex flex-wrap items-center gap-2 pl-11 sm:contents">
              <span>
                <Badge>{AUTH_TYPE_LABEL[c.authType as AuthType] ?? c.authType}</Badge>
              </span>
              {c.authType === "WEBHOOK" ? (
                <ReceiverActivity lastEvent={lastEvents.get(c.id)} />
              ) : (
                <>
                  <span>
                    <ConnectionStatusBadge connection={c} />
                  </span>
                  <span className="text-xs text-slate-600 sm:hidden md:block md:text-sm">
                    <span className="md:sr-only">Last tested </span>
                    {c.lastTestedAt ? <Time date={c.lastTestedAt} /> : "never"}
                  </span>
                </>
              )}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
