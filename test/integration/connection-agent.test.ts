import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import type { ConnectionInput } from "@/lib/connections/schemas";

// "Is this app in a private network?" below the UI: a connection saved
// through lib/connections names one of its team's agents, never another
// team's or a revoked one, and a refusal is a field error that saves nothing.

process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let connections: typeof import("@/lib/connections");
let forms: typeof import("@/lib/forms");
let owner: Awaited<ReturnType<typeof makeUser>>;
let stranger: Awaited<ReturnType<typeof makeUser>>;
let office: { id: string; name: string };
let lab: { id: string; name: string };
let revoked: { id: string; name: string };
let theirs: { id: string; name: string };

/** An Agent row as registering one leaves it (the token's hash only), with what its last connection left. */
async function insertAgent(teamId: string, name: string, state: { revokedAt?: Date; online?: boolean } = {}) {
  const id = `a${randomBytes(12).toString("hex")}`;
  const now = new Date();
  return env.db.agent.create({
    data: {
      id,
      teamId,
      name,
      tokenPrefix: `kwa_${randomBytes(4).toString("hex")}`,
      tokenHash: randomBytes(32).toString("hex"),
      createdByLabel: "test",
      revokedAt: state.revokedAt ?? null,
      ...(state.online ? { instanceId: "instance-1", sessionId: "session-1", connectedAt: now, lastSeenAt: now } : {}),
    },
    select: { id: true, name: true },
  });
}

beforeAll(async () => {
  env = await useFreshAppDatabase("connection_agent");
  connections = await import("@/lib/connections");
  forms = await import("@/lib/forms");
  owner = await makeUser("agent-conn-owner");
  stranger = await makeUser("agent-conn-stranger");
  office = await insertAgent(owner.personalTeam.id, "office-agent", { online: true });
  lab = await insertAgent(owner.personalTeam.id, "lab-agent");
  revoked = await insertAgent(owner.personalTeam.id, "old-agent", { revokedAt: new Date(Date.now() - 60_000) });
  theirs = await insertAgent(stranger.personalTeam.id, "their-agent", { online: true });
});
afterAll(async () => {
  await env?.close();
});

const teamId = () => owner.personalTeam.id;
const SECRET = "agent-conn-secret-value-1";

function input(name: string, network: { network?: "public" | "private"; agentId?: string } = {}): ConnectionInput {
  return { name, baseUrl: "http://10.20.30.40:8080/api", authType: "BASIC", username: "svc", password: SECRET, ...network };
}

async function auditData(objectId: string) {
  const events = await env.db.auditEvent.findMany({ where: { teamId: teamId(), objectId }, orderBy: { id: "asc" } });
  return events.map((event) => ({ action: event.action, data: event.data as Record<string, unknown> }));
}

/** What a server action answers for a refusal: a field error, not a thrown error (which would be a 500). */
async function refusalOf(attempt: Promise<unknown>) {
  const error = await attempt.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error, "the save should have been refused").not.toBeNull();
  return forms.refusalState(error);
}

describe("a connection through an agent", () => {
  it("is created with one of its team's agents, shown with the agent's presence, and audited by agent id and name", async () => {
    const { id } = await connections.createConnection(teamId(), owner.actor, input("through office", { network: "private", agentId: office.id }), null);
    expect((await env.db.connection.findUniqueOrThrow({ where: { id } })).agentId).toBe(office.id);

    const view = await connections.findConnection(teamId(), id);
    expect(view.agentId).toBe(office.id);
    expect(view.agent).toMatchObject({ id: office.id, name: "office-agent", presence: { state: "online" } });

    const listed = (await connections.listConnections(teamId())).find((c) => c.id === id);
    expect(listed?.agent?.name).toBe("office-agent");

    const [created] = await auditData(id);
    expect(created).toEqual({ action: "connection.created", data: expect.objectContaining({ network: "private", agentId: office.id, agentName: "office-agent" }) });
    expect(JSON.stringify(created)).not.toContain(SECRET);
  });

  it("is public when no network is chosen, and when the public internet is chosen with an agent left over", async () => {
    const absent = await connections.createConnection(teamId(), owner.actor, input("public by default"), null);
    const leftOver = await connections.createConnection(teamId(), owner.actor, input("public chosen", { network: "public", agentId: office.id }), null);
    for (const { id } of [absent, leftOver]) {
      const view = await connections.findConnection(teamId(), id);
      expect(view.agentId).toBeNull();
      expect(view.agent).toBeNull();
      expect((await auditData(id))[0]!.data).toMatchObject({ network: "public" });
      expect((await auditData(id))[0]!.data).not.toHaveProperty("agentId");
    }
  });

  it("refuses another team's agent, a revoked one and a made-up id on the agent field, saving nothing", async () => {
    const before = await env.db.connection.count();
    const auditBefore = await env.db.auditEvent.count();
    const theirsRefusal = await refusalOf(connections.createConnection(teamId(), owner.actor, input("through theirs", { network: "private", agentId: theirs.id }), null));
    expect(theirsRefusal).toEqual({ fieldErrors: { agentId: "Choose one of this team's agents." } });
    const madeUp = await refusalOf(connections.createConnection(teamId(), owner.actor, input("through nothing", { network: "private", agentId: "a-not-an-agent" }), null));
    // Another team's agent looks exactly like one that does not exist.
    expect(madeUp).toEqual(theirsRefusal);
    const revokedRefusal = await refusalOf(connections.createConnection(teamId(), owner.actor, input("through revoked", { network: "private", agentId: revoked.id }), null));
    expect(revokedRefusal.fieldErrors?.agentId).toMatch(/“old-agent” was revoked/);
    expect(await env.db.connection.count()).toBe(before);
    expect(await env.db.auditEvent.count()).toBe(auditBefore);
  });

  it("is updated to another agent of its team, refused another team's or a revoked one, and cleared by switching back to public", async () => {
    const { id } = await connections.createConnection(teamId(), owner.actor, input("moving", { network: "private", agentId: office.id }), null);
    const savedRow = () => env.db.connection.findUniqueOrThrow({ where: { id }, select: { name: true, agentId: true, secrets: true, updatedAt: true } });

    await connections.updateConnection(teamId(), owner.actor, id, input("moving", { network: "private", agentId: lab.id }), null);
    expect((await savedRow()).agentId).toBe(lab.id);
    expect((await auditData(id)).at(-1)).toEqual({
      action: "connection.updated",
      data: expect.objectContaining({ changed: ["agent"], network: "private", agentId: lab.id, agentName: "lab-agent" }),
    });

    const afterMove = await savedRow();
    const eventsAfterMove = (await auditData(id)).length;
    for (const agentId of [theirs.id, revoked.id]) {
      const refusal = await refusalOf(connections.updateConnection(teamId(), owner.actor, id, input("renamed meanwhile", { network: "private", agentId }), null));
      expect(Object.keys(refusal.fieldErrors ?? {})).toEqual(["agentId"]);
      // Nothing of the refused edit is kept: not the name, not the agent, not the secrets.
      expect(await savedRow()).toEqual(afterMove);
    }
    expect((await auditData(id)).length).toBe(eventsAfterMove);

    await connections.updateConnection(teamId(), owner.actor, id, input("moving", { network: "public", agentId: lab.id }), null);
    const cleared = await savedRow();
    expect(cleared.agentId).toBeNull();
    expect((await connections.findConnection(teamId(), id)).agent).toBeNull();
    const last = (await auditData(id)).at(-1)!;
    expect(last.data).toMatchObject({ changed: ["agent"], network: "public" });
    expect(last.data).not.toHaveProperty("agentId");
    expect(JSON.stringify(await auditData(id))).not.toContain(SECRET);
  });

  it("refuses to keep an agent that was revoked after the connection chose it", async () => {
    const soon = await insertAgent(teamId(), "soon-revoked");
    const { id } = await connections.createConnection(teamId(), owner.actor, input("kept", { network: "private", agentId: soon.id }), null);
    await env.db.agent.update({ where: { id: soon.id }, data: { revokedAt: new Date() } });
    expect((await connections.findConnection(teamId(), id)).agent).toMatchObject({ name: "soon-revoked", presence: { state: "revoked" } });
    const refusal = await refusalOf(connections.updateConnection(teamId(), owner.actor, id, input("kept", { network: "private", agentId: soon.id }), null));
    expect(refusal.fieldErrors?.agentId).toMatch(/was revoked/);
    await connections.updateConnection(teamId(), owner.actor, id, input("kept", { network: "private", agentId: office.id }), null);
    expect((await connections.findConnection(teamId(), id)).agentId).toBe(office.id);
  });

  it("is duplicated with the same agent", async () => {
    const { id } = await connections.createConnection(teamId(), owner.actor, input("to copy", { network: "private", agentId: lab.id }), null);
    const copy = await connections.duplicateConnection(teamId(), owner.actor, id);
    expect((await connections.findConnection(teamId(), copy.id)).agent).toMatchObject({ id: lab.id, name: "lab-agent", presence: { state: "never-connected" } });
  });
});
