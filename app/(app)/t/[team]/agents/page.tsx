import type { Metadata } from "next";
import { Time } from "@/components/time";
import Link from "next/link";
import type { ReactNode } from "react";
import { Badge, Card, EmptyState, PageHeader } from "@/components/ui";
import { requireMember } from "@/lib/access";
import { listAgents, type AgentRow } from "@/lib/agents";
import type { AgentPresence } from "@/lib/agents/presence";
import { publicUrl } from "@/lib/config";
import { DeleteAgentButton, RefreshWhileVisible, RegisterAgentForm, RevokeAgentButton } from "./agent-forms";

export const metadata: Metadata = { title: "Agents" };

const AgentIcon = () => (
  <svg aria-hidden="true" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" className="h-5 w-5">
    <rect x="3" y="4" width="18" height="7" rx="1.5" />
    <rect x="3" y="13" width="18" height="7" rx="1.5" />
    <path d="M7 7.5h.01M7 16.5h.01M11 7.5h6M11 16.5h6" />
  </svg>
);

function PresenceBadge({ presence }: { presence: AgentPresence }) {
  switch (presence.state) {
    case "online":
      return <Badge tone="green">Online</Badge>;
    case "offline":
      return <Badge tone="amber">Offline</Badge>;
    case "never-connected":
      return <Badge>Never connected</Badge>;
    case "revoked":
      return <Badge>Revoked</Badge>;
  }
}

/** The words beside the badge: since when the agent is in that state. */
function presenceSince(agent: AgentRow): ReactNode {
  const { presence } = agent;
  if (presence.state === "online") return <>connected <Time date={presence.since} /></>;
  if (presence.state === "offline") return <>since <Time date={presence.since} /></>;
  if (presence.state === "revoked") return <><Time date={presence.since} />{agent.revokedByLabel ? ` by ${agent.revokedByLabel}` : ""}</>;
  return null;
}

function Detail({ term, children, mono = false }: { term: string; children: ReactNode; mono?: boolean }) {
  return (
    <div className="min-w-0">
      <dt className="text-xs text-slate-600">{term}</dt>
      <dd className={mono ? "break-all font-mono text-xs text-slate-800" : "break-words text-sm text-slate-800"}>{children}</dd>
    </div>
  );
}

const notYet = <span className="text-slate-500">—</span>;

function AgentItem({ slug, agent }: { slug: string; agent: AgentRow }) {
  const since = presenceSince(agent);
  const revoked = agent.revokedAt !== null;
  const used = agent.connections.length;
  return (
    // Wrapping, not two fixed columns: the Revoke button sits beside the details, and its confirmation (wider) drops below them instead of squeezing them.
    <li className="flex flex-wrap items-start justify-between gap-x-6 gap-y-3 py-4">
      <div className="min-w-0 flex-[1_1_28rem] space-y-3">
        <div className="space-y-1">
          <p className="flex flex-wrap items-center gap-x-2 gap-y-1">
            <span className="min-w-0 break-words text-sm font-medium text-slate-900">{agent.name}</span>
            <PresenceBadge presence={agent.presence} />
            {since ? <span className="text-xs text-slate-600">{since}</span> : null}
          </p>
          <p className="text-xs text-slate-600">
            Registered by {agent.createdByLabel} <Time date={agent.createdAt} />
          </p>
        </div>
        <dl className="grid grid-cols-2 gap-x-4 gap-y-2 sm:grid-cols-4">
          <Detail term="Version">{agent.version ?? notYet}</Detail>
          <Detail term="Host name">{agent.hostname ?? notYet}</Detail>
          <Detail term="Last seen">{agent.lastSeenAt ? <Time date={agent.lastSeenAt} /> : "never"}</Detail>
          <Detail term="Token" mono>
            {agent.tokenPrefix}…
          </Detail>
        </dl>
        <div className="text-sm">
          {used === 0 ? (
            <p className="text-slate-600">No connection uses it{revoked ? "." : " yet: choose it in a connection under “Is this app in a private network?”."}</p>
          ) : (
            <p className="text-slate-700">
              <span className="text-slate-600">Used by </span>
              {agent.connections.map((connection, index) => (
                <span key={connection.id}>
                  {index > 0 ? ", " : null}
                  <Link href={`/t/${slug}/connections/${connection.id}`} className="font-medium text-brand-700 hover:underline">
                    {connection.name}
                  </Link>
                </span>
              ))}
            </p>
          )}
        </div>
      </div>
      <div className="max-w-full">
        {!revoked ? (
          <RevokeAgentButton teamSlug={slug} agentId={agent.id} name={agent.name} connectionCount={used} />
        ) : used === 0 ? (
          <DeleteAgentButton teamSlug={slug} agentId={agent.id} name={agent.name} />
        ) : (
          <p className="text-xs text-slate-600">Kept while connections use it.</p>
        )}
      </div>
    </li>
  );
}

export default async function AgentsPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { team } = await requireMember(slug, "ADMIN");
  const agents = await listAgents(team.id);
  const keywayHost = new URL(publicUrl()).host;
  return (
    <>
      <PageHeader
        title="Agents"
        description={`Small programs that ${team.name} runs inside its own network to carry the requests of connections to private APIs. Only admins see this page.`}
      />
      <RefreshWhileVisible />
      <div className="space-y-6">
        <Card title="Register an agent" description="One per network or site, so each can be revoked on its own.">
          <RegisterAgentForm teamSlug={slug} keywayHost={keywayHost} />
        </Card>

        {agents.length === 0 ? (
          <EmptyState icon={<AgentIcon />} title="No agents yet">
            <p>
              An agent runs on any machine inside your network that has Node.js. It connects out to Keyway over HTTPS and keeps that connection open, so no inbound firewall rule
              is needed. Connections that answer “Is this app in a private network?” with it then send their requests through it, to APIs Keyway cannot reach directly.
            </p>
          </EmptyState>
        ) : (
          <Card title="Agents" description="States update by themselves every few seconds while this page is open.">
            <ul className="-my-4 divide-y divide-slate-200" aria-label="Agents">
              {agents.map((agent) => (
                <AgentItem key={agent.id} slug={slug} agent={agent} />
              ))}
            </ul>
          </Card>
        )}
      </div>
    </>
  );
}
