// Whether an agent is online, as every instance judges it from the Agent row:
// the instance holding its connection renews lastSeenAt every
// AGENT_HEARTBEAT_MS, so a row that stopped being renewed (that instance died
// without saying so) turns offline after AGENT_STALE_MS.

export const AGENT_HEARTBEAT_MS = 5_000;
export const AGENT_STALE_MS = 20_000;

export type AgentPresenceRow = {
  revokedAt: Date | null;
  instanceId: string | null;
  connectedAt: Date | null;
  lastSeenAt: Date | null;
  disconnectedAt: Date | null;
};

export type AgentPresence =
  | { state: "online"; since: Date }
  | { state: "offline"; since: Date }
  | { state: "never-connected" }
  | { state: "revoked"; since: Date };

export function agentPresence(row: AgentPresenceRow, now = Date.now()): AgentPresence {
  if (row.revokedAt) return { state: "revoked", since: row.revokedAt };
  if (row.instanceId && row.lastSeenAt && now - row.lastSeenAt.getTime() < AGENT_STALE_MS) {
    return { state: "online", since: row.connectedAt ?? row.lastSeenAt };
  }
  // Ended cleanly: disconnectedAt; its instance died: the last renewal.
  const since = row.instanceId ? row.lastSeenAt : (row.disconnectedAt ?? row.lastSeenAt);
  if (!since) return { state: "never-connected" };
  return { state: "offline", since };
}
