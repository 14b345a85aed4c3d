import { randomBytes } from "node:crypto";
import { db } from "../db";
import { writeAudit, type AuditActor } from "../audit";
import { DomainError } from "../errors";
import { agentPresence, type AgentPresence } from "./presence";
import type { AgentCreateInput } from "./schemas";
import { newAgentToken } from "./secret";

// A team's on-premise agents, as admins manage them (the pages and actions
// check the role). Every function takes the team id requireMember resolved, so
// another team's agent is not found. The live side (the agent's connection,
// its heartbeat, presence columns) belongs to the transport (lib/agents/hub.ts);
// this module only registers, lists, revokes and deletes.

export type AgentConnectionRef = { id: string; name: string };

export type AgentRow = {
  id: string;
  name: string;
  tokenPrefix: string;
  presence: AgentPresence;
  version: string | null;
  hostname: string | null;
  lastSeenAt: Date | null;
  createdByLabel: string;
  createdAt: Date;
  revokedAt: Date | null;
  revokedByLabel: string | null;
  /** The team's connections routed through this agent, by name. */
  connections: AgentConnectionRef[];
};

function newAgentId(): string {
  return `ag${randomBytes(12).toString("hex")}`;
}

function agentNotFound(): DomainError {
  return new DomainError("That agent does not exist in this team.", 404);
}

function namesInWords(connections: AgentConnectionRef[]): string {
  const names = connections.map((c) => `“${c.name}”`);
  if (names.length <= 1) return names.join("");
  const shown = names.slice(0, 5);
  const rest = names.length - shown.length;
  if (rest > 0) return `${shown.join(", ")} and ${rest} more`;
  return `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
}

/** Registers an agent and returns its token whole: the only moment the token exists outside the agent. */
export async function createAgent(teamId: string, actor: AuditActor, input: AgentCreateInput) {
  const { token, prefix, tokenHash } = newAgentToken();
  const id = newAgentId();
  await db.$transaction(async (tx) => {
    await tx.agent.create({ data: { id, teamId, name: input.name, tokenPrefix: prefix, tokenHash, createdById: actor.id, createdByLabel: actor.label } });
    await writeAudit(tx, { teamId, actor, action: "agent.registered", objectType: "agent", objectId: id, objectName: input.name, data: { prefix } });
  });
  return { id, token, prefix, name: input.name };
}

/** Every agent of the team: those still usable first, then revoked ones; newest first within each. */
export async function listAgents(teamId: string, now = Date.now()): Promise<AgentRow[]> {
  const rows = await db.agent.findMany({
    where: { teamId },
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    select: {
      id: true,
      name: true,
      tokenPrefix: true,
      createdByLabel: true,
      createdAt: true,
      revokedAt: true,
      revokedByLabel: true,
      version: true,
      hostname: true,
      instanceId: true,
      connectedAt: true,
      lastSeenAt: true,
      disconnectedAt: true,
      // A connection belongs to the agent's team, but say so anyway: this list must never show another team's names.
      connections: { where: { teamId }, orderBy: { name: "asc" }, select: { id: true, name: true } },
    },
  });
  const list = rows.map(
    (row): AgentRow => ({
      id: row.id,
      name: row.name,
      tokenPrefix: row.tokenPrefix,
      presence: agentPresence(row, now),
      version: row.version,
      hostname: row.hostname,
      lastSeenAt: row.lastSeenAt,
      createdByLabel: row.createdByLabel,
      createdAt: row.createdAt,
      revokedAt: row.revokedAt,
      revokedByLabel: row.revokedByLabel,
      connections: row.connections,
    }),
  );
  // Array.prototype.sort is stable: within each group the query's order (newest first) stays.
  return list.sort((a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null));
}

/**
 * Revokes an agent: its token stops working at once. Its live connection is
 * ended within seconds by whichever instance holds it, told by the database
 * trigger on Agent (migration 20261215000000_agents) through the proxy's
 * notification channel. Revoking a revoked agent changes nothing.
 */
export async function revokeAgent(teamId: string, actor: AuditActor, agentId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const agent = await tx.agent.findFirst({ where: { id: agentId, teamId }, select: { id: true, name: true, tokenPrefix: true } });
    if (!agent) throw agentNotFound();
    // Conditional, so two admins revoking at once record one revocation.
    const { count } = await tx.agent.updateMany({ where: { id: agent.id, revokedAt: null }, data: { revokedAt: new Date(), revokedByLabel: actor.label } });
    if (count === 0) return;
    await writeAudit(tx, { teamId, actor, action: "agent.revoked", objectType: "agent", objectId: agent.id, objectName: agent.name, data: { prefix: agent.tokenPrefix } });
  });
}

/** Deletes a revoked agent that no connection uses; anything else is refused in words. */
export async function deleteAgent(teamId: string, actor: AuditActor, agentId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    // Locked first: a connection being pointed at this agent meanwhile takes a key-share lock on
    // this row, so either it committed before (and is found below) or it waits and then fails.
    const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Agent" WHERE id = ${agentId} AND "teamId" = ${teamId} FOR UPDATE`;
    if (locked.length === 0) throw agentNotFound();
    const agent = await tx.agent.findUniqueOrThrow({
      where: { id: agentId },
      select: { id: true, name: true, tokenPrefix: true, revokedAt: true, connections: { orderBy: { name: "asc" }, select: { id: true, name: true } } },
    });
    if (!agent.revokedAt) throw new DomainError(`Revoke “${agent.name}” before deleting it.`, 409);
    const used = agent.connections;
    if (used.length > 0) {
      const one = used.length === 1;
      throw new DomainError(
        `“${agent.name}” cannot be deleted: the connection${one ? "" : "s"} ${namesInWords(used)} ${one ? "uses" : "use"} it. Edit ${one ? "that connection" : "them"} to reach the API another way, or delete ${one ? "it" : "them"}, first.`,
        409,
      );
    }
    await tx.agent.delete({ where: { id: agent.id } });
    await writeAudit(tx, { teamId, actor, action: "agent.deleted", objectType: "agent", objectId: agent.id, objectName: agent.name, data: { prefix: agent.tokenPrefix } });
  });
}
