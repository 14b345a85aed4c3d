import { randomBytes } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";

// The admin side of on-premise agents (lib/agents/index.ts): registering one
// (its token exists once, only the hash is kept), the list with each agent's
// presence and the connections that use it, revoking (audited, announced to
// every instance) and deleting (only revoked, unused agents).

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let agents: typeof import("@/lib/agents");
let secret: typeof import("@/lib/agents/secret");
let schemas: typeof import("@/lib/agents/schemas");
let owner: Awaited<ReturnType<typeof makeUser>>;
let stranger: Awaited<ReturnType<typeof makeUser>>;

beforeAll(async () => {
  env = await useFreshAppDatabase("agents_admin");
  agents = await import("@/lib/agents");
  secret = await import("@/lib/agents/secret");
  schemas = await import("@/lib/agents/schemas");
  owner = await makeUser("agents-owner");
  stranger = await makeUser("agents-stranger");
});
afterAll(async () => env?.close());

/** A connection row routed through the agent, made directly: the connection form is not this module's. */
async function connectionUsing(agentId: string, name: string, teamId = owner.personalTeam.id) {
  return env.db.connection.create({
    data: { teamId, name, baseUrl: "http://10.0.0.5/api", authType: "NONE", webhookToken: randomBytes(16).toString("hex"), agentId },
    select: { id: true, name: true },
  });
}

async function auditOf(agentId: string) {
  return env.db.auditEvent.findMany({ where: { objectId: agentId }, orderBy: { id: "asc" } });
}

describe("agentCreateSchema", () => {
  it("trims the name and refuses an empty or overlong one with a message", () => {
    expect(schemas.agentCreateSchema.parse({ name: "  office network  " })).toEqual({ name: "office network" });
    const empty = schemas.agentCreateSchema.safeParse({ name: "   " });
    expect(empty.success).toBe(false);
    expect(empty.error?.issues[0]?.message).toMatch(/^Name the agent/);
    const long = schemas.agentCreateSchema.safeParse({ name: "x".repeat(81) });
    expect(long.error?.issues[0]?.message).toBe("Use at most 80 characters.");
    expect(schemas.agentCreateSchema.safeParse({}).success).toBe(false);
  });
});

describe("createAgent", () => {
  it("returns the token once and stores only its hash and prefix, with an audit event", async () => {
    const created = await agents.createAgent(owner.personalTeam.id, owner.actor, { name: "office network" });
    expect(created.id).toMatch(/^ag[0-9a-f]{24}$/);
    expect(secret.looksLikeAgentToken(created.token)).toBe(true);
    expect(created.prefix).toBe(created.token.slice(0, secret.SHOWN_TOKEN_PREFIX_LENGTH));
    expect(created.name).toBe("office network");

    const row = await env.db.agent.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.tokenHash).toBe(secret.hashAgentToken(created.token));
    expect(row.tokenPrefix).toBe(created.prefix);
    expect(row.teamId).toBe(owner.personalTeam.id);
    expect(row.createdById).toBe(owner.id);
    expect(row.createdByLabel).toBe(owner.email);
    // The token itself is nowhere in the row.
    expect(JSON.stringify(row)).not.toContain(created.token);

    const events = await auditOf(created.id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ action: "agent.registered", objectType: "agent", objectName: "office network", actorLabel: owner.email, ip: "127.0.0.1" });
    expect(events[0]!.data).toEqual({ prefix: created.prefix });
    expect(JSON.stringify({ ...events[0], id: String(events[0]!.id) })).not.toContain(created.token);
  });

  it("gives every agent its own token", async () => {
    const a = await agents.createAgent(owner.personalTeam.id, owner.actor, { name: "same name" });
    const b = await agents.createAgent(owner.personalTeam.id, owner.actor, { name: "same name" });
    expect(a.token).not.toBe(b.token);
    expect(a.id).not.toBe(b.id);
  });
});

describe("listAgents", () => {
  it("shows each agent's presence, details and connections, usable ones first, newest first", async () => {
    const team = (await makeUser("agents-list")).personalTeam;
    const actor = owner.actor;
    const never = await agents.createAgent(team.id, actor, { name: "never" });
    const online = await agents.createAgent(team.id, actor, { name: "online" });
    const offline = await agents.createAgent(team.id, actor, { name: "offline" });
    const gone = await agents.createAgent(team.id, actor, { name: "revoked" });
    const stale = await agents.createAgent(team.id, actor, { name: "stale" });
    // Distinct creation times, oldest first in the order above.
    const base = Date.now() - 60 * 60_000;
    for (const [i, id] of [never.id, online.id, offline.id, gone.id, stale.id].entries()) {
      await env.db.agent.update({ where: { id }, data: { createdAt: new Date(base + i * 60_000) } });
    }
    const now = Date.now();
    await env.db.agent.update({
      where: { id: online.id },
      data: { version: "1.2.0", hostname: "gw-01.corp", instanceId: "inst-a", sessionId: "s1", connectedAt: new Date(now - 120_000), lastSeenAt: new Date(now - 2_000) },
    });
    await env.db.agent.update({
      where: { id: offline.id },
      data: { version: "1.1.0", hostname: "gw-02.corp", connectedAt: new Date(now - 600_000), lastSeenAt: new Date(now - 300_000), disconnectedAt: new Date(now - 290_000) },
    });
    // Its instance died: the row still names it, but lastSeenAt stopped being renewed.
    await env.db.agent.update({ where: { id: stale.id }, data: { instanceId: "inst-dead", connectedAt: new Date(now - 900_000), lastSeenAt: new Date(now - 60_000) } });
    const b = await connectionUsing(online.id, "B intranet", team.id);
    const a = await connectionUsing(online.id, "A billing", team.id);
    await agents.revokeAgent(team.id, actor, gone.id);

    const list = await agents.listAgents(team.id, now);
    expect(list.map((agent) => agent.name)).toEqual(["stale", "offline", "online", "never", "revoked"]);
    const byName = Object.fromEntries(list.map((agent) => [agent.name, agent]));

    expect(byName.online!.presence).toEqual({ state: "online", since: new Date(now - 120_000) });
    expect(byName.online).toMatchObject({ version: "1.2.0", hostname: "gw-01.corp", lastSeenAt: new Date(now - 2_000), tokenPrefix: online.prefix, createdByLabel: owner.email });
    expect(byName.online!.connections).toEqual([
      { id: a.id, name: "A billing" },
      { id: b.id, name: "B intranet" },
    ]);
    expect(byName.offline!.presence).toEqual({ state: "offline", since: new Date(now - 290_000) });
    expect(byName.offline!.connections).toEqual([]);
    expect(byName.stale!.presence).toEqual({ state: "offline", since: new Date(now - 60_000) });
    expect(byName.never!.presence).toEqual({ state: "never-connected" });
    expect(byName.never).toMatchObject({ version: null, hostname: null, lastSeenAt: null });
    expect(byName.revoked!.presence.state).toBe("revoked");
    expect(byName.revoked).toMatchObject({ revokedByLabel: owner.email });
    expect(byName.revoked!.revokedAt).toBeInstanceOf(Date);
    // Nothing secret leaves the module.
    expect(JSON.stringify(list)).not.toMatch(/tokenHash|kwa_[A-Za-z0-9_-]{43}/);
  });

  it("lists only the team's own agents", async () => {
    const mine = await agents.createAgent(stranger.personalTeam.id, stranger.actor, { name: "stranger's agent" });
    const ownerList = await agents.listAgents(owner.personalTeam.id);
    expect(ownerList.map((agent) => agent.id)).not.toContain(mine.id);
    expect((await agents.listAgents(stranger.personalTeam.id)).map((agent) => agent.id)).toEqual([mine.id]);
  });
});

describe("another team's agent", () => {
  it("is not found (404) for revoke and delete, and is left as it was", async () => {
    const theirs = await agents.createAgent(stranger.personalTeam.id, stranger.actor, { name: "not yours" });
    await expect(agents.revokeAgent(owner.personalTeam.id, owner.actor, theirs.id)).rejects.toMatchObject({ name: "DomainError", status: 404 });
    await expect(agents.deleteAgent(owner.personalTeam.id, owner.actor, theirs.id)).rejects.toMatchObject({ name: "DomainError", status: 404 });
    await expect(agents.revokeAgent(owner.personalTeam.id, owner.actor, "ag-no-such-agent")).rejects.toMatchObject({ status: 404 });
    const row = await env.db.agent.findUniqueOrThrow({ where: { id: theirs.id } });
    expect(row.revokedAt).toBeNull();
    expect((await auditOf(theirs.id)).map((e) => e.action)).toEqual(["agent.registered"]);
  });
});

describe("revokeAgent", () => {
  it("marks the agent revoked, audits it once, and announces it to every instance", async () => {
    const created = await agents.createAgent(owner.personalTeam.id, owner.actor, { name: "to revoke" });
    // The database trigger tells every instance (lib/db/notifications.ts) to cut the agent's live connection.
    const listener = new pg.Client({ connectionString: env.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on("notification", (message) => {
      if (message.channel === "keyway_proxy" && message.payload) heard.push(message.payload);
    });
    await listener.query("LISTEN keyway_proxy");
    try {
      await agents.revokeAgent(owner.personalTeam.id, owner.actor, created.id);
      await expect.poll(() => heard, { timeout: 5_000 }).toContain(`agent:${created.id}`);
    } finally {
      await listener.end();
    }

    const row = await env.db.agent.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.revokedAt).toBeInstanceOf(Date);
    expect(row.revokedByLabel).toBe(owner.email);

    // Again: nothing changes, nothing more is recorded.
    await agents.revokeAgent(owner.personalTeam.id, owner.actor, created.id);
    const again = await env.db.agent.findUniqueOrThrow({ where: { id: created.id } });
    expect(again.revokedAt).toEqual(row.revokedAt);
    const events = await auditOf(created.id);
    expect(events.map((e) => e.action)).toEqual(["agent.registered", "agent.revoked"]);
    expect(events[1]).toMatchObject({ objectType: "agent", objectName: "to revoke", actorLabel: owner.email });
    expect(events[1]!.data).toEqual({ prefix: created.prefix });
  });

  it("records one revocation when two admins revoke at once", async () => {
    const created = await agents.createAgent(owner.personalTeam.id, owner.actor, { name: "raced" });
    await Promise.all([agents.revokeAgent(owner.personalTeam.id, owner.actor, created.id), agents.revokeAgent(owner.personalTeam.id, stranger.actor, created.id)]);
    expect((await auditOf(created.id)).filter((e) => e.action === "agent.revoked")).toHaveLength(1);
  });
});

describe("deleteAgent", () => {
  it("refuses an agent that is not revoked", async () => {
    const created = await agents.createAgent(owner.personalTeam.id, owner.actor, { name: "still active" });
    await expect(agents.deleteAgent(owner.personalTeam.id, owner.actor, created.id)).rejects.toMatchObject({ status: 409, message: "Revoke “still active” before deleting it." });
    expect(await env.db.agent.count({ where: { id: created.id } })).toBe(1);
  });

  it("refuses while a connection uses it, naming the connections, and allows it once none does", async () => {
    const created = await agents.createAgent(owner.personalTeam.id, owner.actor, { name: "datacenter" });
    const orders = await connectionUsing(created.id, "Orders API");
    const stock = await connectionUsing(created.id, "Stock API");
    await agents.revokeAgent(owner.personalTeam.id, owner.actor, created.id);

    const refusal = await agents.deleteAgent(owner.personalTeam.id, owner.actor, created.id).catch((error: unknown) => error);
    expect(refusal).toMatchObject({ name: "DomainError", status: 409 });
    expect((refusal as Error).message).toContain("“Orders API” and “Stock API” use it");

    await env.db.connection.delete({ where: { id: stock.id } });
    const single = await agents.deleteAgent(owner.personalTeam.id, owner.actor, created.id).catch((error: unknown) => error);
    expect((single as Error).message).toContain("the connection “Orders API” uses it");
    expect(await env.db.agent.count({ where: { id: created.id } })).toBe(1);

    await env.db.connection.update({ where: { id: orders.id }, data: { agentId: null } });
    await agents.deleteAgent(owner.personalTeam.id, owner.actor, created.id);
    expect(await env.db.agent.count({ where: { id: created.id } })).toBe(0);
    const events = await auditOf(created.id);
    expect(events.map((e) => e.action)).toEqual(["agent.registered", "agent.revoked", "agent.deleted"]);
    expect(events[2]).toMatchObject({ objectType: "agent", objectName: "datacenter", actorLabel: owner.email });
    // Gone: a second delete finds nothing.
    await expect(agents.deleteAgent(owner.personalTeam.id, owner.actor, created.id)).rejects.toMatchObject({ status: 404 });
  });
});
