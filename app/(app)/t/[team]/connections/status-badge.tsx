import { Badge } from "@/components/ui";
import type { ConnectionStatus } from "@/lib/generated/prisma/enums";
import { agentPresence, type AgentPresence, type AgentPresenceRow } from "@/lib/agents/presence";
import { connectionState, stateLabel, type ConnectionState, type StateInput } from "@/lib/health/state";

type BadgeInput = Omit<StateInput, "agent"> & { agent?: ({ name: string } & ({ presence: AgentPresence } | AgentPresenceRow)) | null };

/** The stored check results by name, for the list's status filter (lib/connections/list-query.ts). */
export const STATUS_LABEL: Record<ConnectionStatus, string> = { UNTESTED: "Not checked yet", WORKING: "Working", FAILING: "Failing", NEEDS_REAUTH: "Needs re-authorization" };

/** lib/health/state.ts's one state for a connection, from a page's row (which may carry the agent's presence row rather than its presence). */
export function stateOfConnection(connection: BadgeInput, now = Date.now()): ConnectionState {
  const agent = connection.agent ? { name: connection.agent.name, presence: "presence" in connection.agent ? connection.agent.presence : agentPresence(connection.agent, now) } : null;
  return connectionState({ ...connection, agent }, now);
}

/** The badge of a connection's status: the health check's state with the live signals (agent, certificate, authorization). */
export function ConnectionStatusBadge({ connection }: { connection: BadgeInput }) {
  const { label, tone } = stateLabel(stateOfConnection(connection));
  return (
    <span data-testid="connection-status">
      <Badge tone={tone}>{label}</Badge>
    </span>
  );
}
