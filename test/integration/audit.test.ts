import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import { startHttpEcho, type Upstream } from "../support/upstreams";

// The audit log: each audited change writes exactly one event, in the same
// transaction, with no secret in it; the table refuses UPDATE and DELETE; and
// its pages (keyset, filtered) are complete, ordered and team-bound.

process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let upstream: Upstream;
let owner: Awaited<ReturnType<typeof makeUser>>;
let auditLog: typeof import("@/lib/audit-log");

beforeAll(async () => {
  env = await useFreshAppDatabase("audit");
  upstream = await startHttpEcho();
  owner = await makeUser("audit-owner");
  auditLog = await import("@/lib/audit-log");
});
afterAll(async () => {
  await upstream?.close();
  await env?.close();
});

describe("audited actions", () => {
  it("write exactly one event each, and no secret value", async () => {
    const connections = await import("@/lib/connections");
    const testing = await import("@/lib/connections/test-request");
    const clients = await import("@/lib/oauth/clients");
    const teamId = owner.personalTeam.id;
    const secrets = { header: `hdr-${randomBytes(12).toString("hex")}`, header2: `hdr2-${randomBytes(12).toString("hex")}`, client: `cs-${randomBytes(12).toString("hex")}`, client2: `cs2-${randomBytes(12).toString("hex")}` };
    const before = await env.db.auditEvent.count({ where: { teamId } });

    const { id } = await connections.createConnection(teamId, owner.actor, { name: "Audited", baseUrl: upstream.url, authType: "HEADER", headers: [{ name: "X-Key", value: secrets.header, secret: true }] }, null);
    const saved = await connections.findConnection(teamId, id);
    await connections.updateConnection(teamId, owner.actor, id, { name: "Audited 2", baseUrl: upstream.url, authType: "HEADER", headers: [{ id: saved.config.headers![0]!.id, name: "X-Key", value: secrets.header2, secret: true }] }, "keep");
    await testing.runTestRequest(teamId, owner.actor, id, { method: "GET", path: "", headers: [], body: "" });
    const copy = await connections.duplicateConnection(teamId, owner.actor, id);
    await connections.deleteConnection(teamId, owner.actor, copy.id);
    const input = {
      name: "Client",
      provider: "custom",
      issuer: "",
      authorizationUrl: "https://id.example.test/authorize",
      tokenUrl: "https://id.example.test/token",
      revocationUrl: "",
      parUrl: "",
      clientId: "abc",
      clientSecret: secrets.client,
      scopes: "read",
      scopeSeparator: " " as const,
      tokenAuthMethod: "client_secret_basic" as const,
      pkce: true,
      extraAuthParams: [],
      notes: "",
    };
    const client = await clients.createOAuthClient(teamId, owner.actor, input);
    await clients.updateOAuthClient(teamId, owner.actor, client.id, { ...input, clientSecret: secrets.client2 });
    await clients.deleteOAuthClient(teamId, owner.actor, client.id);

    const events = await env.db.auditEvent.findMany({ where: { teamId }, orderBy: { id: "asc" }, skip: before });
    expect(events.map((e) => e.action)).toEqual([
      "connection.created",
      "connection.updated",
      "connection.tested",
      "connection.duplicated",
      "connection.deleted",
      "oauth_client.created",
      "oauth_client.updated",
      "oauth_client.deleted",
    ]);
    expect(events.every((e) => e.actorId === owner.id && e.ip === "127.0.0.1")).toBe(true);
    const text = JSON.stringify(events, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
    for (const secret of Object.values(secrets)) expect(text).not.toContain(secret);
    expect(events[6]!.data).toMatchObject({ secretChanged: true });
  });

  it("of teams and members write exactly one event each, and never the invitation token", async () => {
    const teams = await import("@/lib/teams");
    const team = await teams.createTeam(owner.id, owner.actor, "Audited team");
    const acting = { userId: owner.id, role: "OWNER" as const, actor: owner.actor };
    const invited = await makeUser("audit-invited");
    const { token } = await teams.createInvitation(team.id, acting, { role: "MEMBER" });
    const revoked = await teams.createInvitation(team.id, acting, { role: "VIEWER" });
    await teams.revokeInvitation(team.id, acting, revoked.invitation.id);
    await teams.acceptInvitation(token, { id: invited.id, email: invited.email }, "127.0.0.1");
    const membership = await env.db.membership.findFirstOrThrow({ where: { teamId: team.id, userId: invited.id } });
    await teams.changeRole(team.id, acting, membership.id, "ADMIN");
    await teams.removeMember(team.id, acting, membership.id);
    await teams.renameTeam(team.id, owner.actor, "Audited team, renamed");

    const events = await env.db.auditEvent.findMany({ where: { teamId: team.id }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.action)).toEqual([
      "team.created",
      "member.invited",
      "member.invited",
      "member.invitation_revoked",
      "member.joined",
      "member.role_changed",
      "member.removed",
      "team.renamed",
    ]);
    const text = JSON.stringify(events, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
    for (const secret of [token, revoked.token]) expect(text).not.toContain(secret);
  });

  it("are kept: the table refuses UPDATE and DELETE", async () => {
    await expect(env.db.$executeRaw`UPDATE "AuditEvent" SET action = 'forged'`).rejects.toThrow(/append-only/);
    await expect(env.db.$executeRaw`DELETE FROM "AuditEvent"`).rejects.toThrow(/append-only/);
  });
});

describe("listing", () => {
  it("pages through every event once, newest first, and never shows another team's", async () => {
    const team = await env.db.team.create({ data: { slug: `paging-${randomBytes(3).toString("hex")}`, name: "Paging" } });
    const other = await env.db.team.create({ data: { slug: `other-${randomBytes(3).toString("hex")}`, name: "Other" } });
    // Events sharing timestamps, so the id breaks ties between pages.
    for (const teamId of [team.id, other.id]) {
      await env.db.$executeRaw`
        INSERT INTO "AuditEvent" ("teamId", "actorLabel", action, "objectType", "objectId", "createdAt")
        SELECT ${teamId}, 'user' || (i % 3) || '@example.test', 'connection.tested', 'connection', 'c' || (i % 5), TIMESTAMP '2026-11-01 00:00:00' + make_interval(mins => i / 4)
        FROM generate_series(1, 130) AS i`;
    }
    const seen: bigint[] = [];
    let before: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await auditLog.listAuditEvents(team.id, auditLog.auditFilterSchema.parse({ ...(before ? { before } : {}) }));
      sizes.push(page.events.length);
      seen.push(...page.events.map((e) => e.id));
      before = page.older;
    } while (before);
    expect(sizes).toEqual([50, 50, 30]);
    expect(new Set(seen).size).toBe(130);
    const all = await env.db.auditEvent.findMany({ where: { teamId: team.id }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], select: { id: true } });
    expect(seen).toEqual(all.map((e) => e.id));
  });

  it("filters by object, actor, action and dates (the end date included)", async () => {
    const team = await env.db.team.create({ data: { slug: `filters-${randomBytes(3).toString("hex")}`, name: "Filters" } });
    const at = (day: number) => new Date(Date.UTC(2026, 10, day, 23, 59));
    await env.db.auditEvent.createMany({
      data: [
        { teamId: team.id, actorLabel: "a@example.test", action: "connection.created", objectType: "connection", objectId: "c1", createdAt: at(1) },
        { teamId: team.id, actorLabel: "a@example.test", action: "connection.tested", objectType: "connection", objectId: "c1", createdAt: at(2) },
        { teamId: team.id, actorLabel: "b@example.test", action: "connection.tested", objectType: "connection", objectId: "c2", createdAt: at(3) },
        { teamId: team.id, actorLabel: "b@example.test", action: "member.invited", objectType: "invitation", objectId: "i1", createdAt: at(4) },
      ],
    });
    const ids = async (input: Record<string, string>) => (await auditLog.listAuditEvents(team.id, auditLog.auditFilterSchema.parse(input))).events.map((e) => `${e.objectId}:${e.action}`);
    expect(await ids({ objectId: "c1" })).toEqual(["c1:connection.tested", "c1:connection.created"]);
    expect(await ids({ actor: "b@example.test", action: "connection.tested" })).toEqual(["c2:connection.tested"]);
    expect(await ids({ objectType: "invitation" })).toEqual(["i1:member.invited"]);
    expect(await ids({ from: "2026-11-02", to: "2026-11-03" })).toEqual(["c2:connection.tested", "c1:connection.tested"]);
    expect(auditLog.auditFilterSchema.safeParse({ from: "2026-11-05", to: "2026-11-01" }).error?.issues[0]?.path).toEqual(["to"]);
    expect(auditLog.auditFilterSchema.safeParse({ action: "drop table" }).success).toBe(false);
  });
});
