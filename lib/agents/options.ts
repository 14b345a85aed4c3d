import { db } from "../db";
import { agentPresence, type AgentPresence } from "./presence";

export type AgentChoice = { id: string; name: string; presence: AgentPresence };

/** The agents a connection of this team may be routed through: every agent not revoked, by name. */
export async function teamAgentChoices(teamId: string): Promise<AgentChoice[]> {
  const rows = await db.agent.findMany({
    where: { teamId, revokedAt: null },
    orderBy: { name: "asc" },
    select: { id: true, name: true, revokedAt: true, instanceId: true, connectedAt: true, lastSeenAt: true, disconnectedAt: true },
  });
  const now = Date.now();
  return rows.map((row) => ({ id: row.id, name: row.name, presence: agentPresence(row, now) }));
}
