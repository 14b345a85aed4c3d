// Health checks (lib/health) on a real Postgres against an API on loopback
// whose answer the test switches: the status comes from the check only (an
// ad-hoc test does not change it), a change is one history row and one team
// event however many checks find it, and the scheduler enqueues each due
// check once per slot even when two ticks race.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import { startHttpEcho, type Upstream } from "../support/upstreams";
import { TIME_SCALE } from "../support/time-scale";

process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let connections: typeof import("@/lib/connections");
let testing: typeof import("@/lib/connections/test-request");
let check: typeof import("@/lib/health/check");
let jobs: typeof import("@/lib/health/jobs");
let state: typeof import("@/lib/health/state");
let engine: typeof import("@/lib/jobs/engine");
let owner: Awaited<ReturnType<typeof makeUser>>;
let api: Upstream;
/** What the API's /health answers; other paths answer 500 unless they are /ok. */
let healthStatus = 200;

beforeAll(async () => {
  env = await useFreshAppDatabase("health");
  connections = await import("@/lib/connections");
  testing = await import("@/lib/connections/test-request");
  check = await import("@/lib/health/check");
  jobs = await import("@/lib/health/jobs");
  state = await import("@/lib/health/state");
  engine = await import("@/lib/jobs/engine");
  owner = await makeUser("health-owner");
  api = await startHttpEcho((request, response) => {
    const status = request.url?.startsWith("/health") ? healthStatus : request.url?.startsWith("/broken") ? 500 : 200;
    response.writeHead(status, { "content-type": "text/plain" });
    response.end(`answered ${status}`);
    return true;
  });
});
afterAll(async () => {
  await engine?.stopJobs();
  await api?.close();
  await env?.close();
});

const teamId = () => owner.personalTeam.id;
const GET = { method: "GET" as const, path: "/health", headers: [], body: "" };

async function teamEvents(connectionId: string): Promise<string[]> {
  const rows = await env.db.$queryRaw<{ type: string }[]>`
    SELECT data->>'type' AS type FROM pgboss.job WHERE name = 'team-event' AND data->'subject'->>'id' = ${connectionId} ORDER BY created_on`;
  return rows.map((row) => row.type);
}

async function shownState(connectionId: string) {
  const view = await connections.findConnection(teamId(), connectionId);
  return state.connectionState(view);
}

describe("status", () => {
  it("comes from the check: the first successful test becomes the check, a failing ad-hoc test changes nothing", async () => {
    healthStatus = 200;
    const { id } = await connections.createConnection(teamId(), owner.actor, { name: "Echo", baseUrl: api.url, authType: "NONE" }, null);
    expect((await shownState(id)).kind).toBe("NOT_CHECKED");

    // An ad-hoc test that fails is history only.
    const broken = await testing.runTestRequest(teamId(), owner.actor, id, { ...GET, path: "/broken" });
    expect(broken.ok).toBe(false);
    expect((await shownState(id)).kind).toBe("NOT_CHECKED");

    // The first successful test is the check's request and its first run.
    await testing.runTestRequest(teamId(), owner.actor, id, GET);
    const health = await env.db.connectionHealth.findUniqueOrThrow({ where: { connectionId: id } });
    expect(health).toMatchObject({ method: "GET", path: "/health", state: "WORKING" });
    expect((await shownState(id)).kind).toBe("WORKING");

    // Another failing test afterwards: still Working.
    await testing.runTestRequest(teamId(), owner.actor, id, { ...GET, path: "/broken" });
    expect((await shownState(id)).kind).toBe("WORKING");
  });

  it("changes once per change: one history row and one event for Failing, one for Recovered, none for repeated failures or a repeated slot", async () => {
    healthStatus = 200;
    const { id } = await connections.createConnection(teamId(), owner.actor, { name: "Flaky", baseUrl: api.url, authType: "NONE" }, null);
    await testing.runTestRequest(teamId(), owner.actor, id, GET);
    const slot = (minute: number) => new Date(Date.UTC(2026, 11, 2, 8, minute));

    healthStatus = 503;
    for (const minute of [1, 2, 3]) expect((await check.runHealthCheck(id, slot(minute)))?.state).toBe("FAILING");
    const failing = await shownState(id);
    expect(failing.kind).toBe("FAILING");
    expect(state.stateLabel(failing).label).toMatch(/^Failing since/);
    expect((await connections.findConnection(teamId(), id)).status).toBe("FAILING");

    healthStatus = 200;
    await check.runHealthCheck(id, slot(4));
    // The same slot again (a duplicated job): not recorded twice.
    healthStatus = 503;
    await check.runHealthCheck(id, slot(4));
    expect((await shownState(id)).kind).toBe("WORKING");

    const history = await env.db.connectionStatusChange.findMany({ where: { connectionId: id }, orderBy: { at: "asc" } });
    expect(history.map((change) => change.state)).toEqual(["WORKING", "FAILING", "WORKING"]);
    expect(await teamEvents(id)).toEqual(["connection.failing", "connection.recovered"]);
    // Each event's id names its change: a retried emit is the same event.
    const notices = await env.db.healthNotice.findMany({ where: { key: { contains: id } } });
    expect(notices.every((notice) => notice.emittedAt !== null)).toBe(true);
    expect(new Set(notices.map((n) => n.key)).size).toBe(2);
  });

  it("expected statuses decide what counts as working, and a certificate near its end warns over a working check", async () => {
    healthStatus = 404;
    const { id } = await connections.createConnection(teamId(), owner.actor, { name: "Gone is fine", baseUrl: api.url, authType: "NONE" }, null);
    await env.db.connectionHealth.create({ data: { connectionId: id, teamId: teamId(), method: "GET", path: "/health", expectedStatuses: "200-299,404" } });
    expect((await check.runHealthCheck(id, null))?.state).toBe("WORKING");
    const now = Date.now();
    const view = await connections.findConnection(teamId(), id);
    const soon = state.connectionState({ ...view, clientCertExpiresAt: new Date(now + 10 * 86_400_000 + 60_000) }, now);
    expect(soon).toMatchObject({ kind: "CERT_EXPIRING", days: 10 });
    expect(state.stateLabel(soon).label).toBe("Certificate expires in 10 days");
    expect(state.parseExpectedStatuses("200-299,404")(404)).toBe(true);
    expect(() => state.parseExpectedStatuses("20x")).toThrow(/not a status/);
  });

  it("uptime is the working share of the known time in the window", () => {
    const now = Date.UTC(2026, 11, 30);
    const day = 86_400_000;
    const changes = [
      { state: "WORKING", at: new Date(now - 40 * day) },
      { state: "FAILING", at: new Date(now - 3 * day) },
      { state: "WORKING", at: new Date(now - 2 * day) },
    ];
    expect(state.uptime(changes, 7 * day, now)).toBeCloseTo(6 / 7);
    expect(state.uptime(changes, 30 * day, now)).toBeCloseTo(29 / 30);
    expect(state.uptime([], 7 * day, now)).toBeNull();
  });

  it("an OAuth2 connection nobody connected yet stays Not connected after its scheduled check, not Needs re-authorization", async () => {
    const { createOAuthClient } = await import("@/lib/oauth/clients");
    const client = await createOAuthClient(teamId(), owner.actor, {
      name: "Never used IdP",
      provider: "oidc",
      issuer: "",
      authorizationUrl: `${api.url}/authorize`,
      tokenUrl: `${api.url}/token`,
      revocationUrl: "",
      parUrl: "",
      clientId: "never-connected",
      clientSecret: "never-connected-secret",
      scopes: "read",
      scopeSeparator: " ",
      tokenAuthMethod: "client_secret_basic",
      pkce: true,
      extraAuthParams: [],
      notes: "",
    });
    const { id } = await connections.createConnection(
      teamId(),
      owner.actor,
      { name: "Fresh CRM", baseUrl: api.url, authType: "OAUTH2_CODE", oauthClientRef: client.id, authorizationUrl: "", tokenUrl: "", revocationUrl: "", clientId: "", clientSecret: "", tokenAuthMethod: "client_secret_basic", pkce: true, scopes: "", extraParams: [] },
      null,
    );
    await check.runHealthCheck(id, null, teamId());
    const shown = await shownState(id);
    expect(shown).toMatchObject({ kind: "NEEDS_REAUTH", authorization: "not-connected" });
    expect(state.stateLabel(shown).label).toBe("Not connected");
  });
});

describe("scheduling", () => {
  it("enqueues each due check once per slot when two ticks race, and the workers run each once", async () => {
    healthStatus = 200;
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const { id } = await connections.createConnection(teamId(), owner.actor, { name: `Scheduled ${i}`, baseUrl: `${api.url}/health/${i}`, authType: "NONE" }, null);
      ids.push(id);
    }
    // Due a minute ago (every other connection of this file is not due yet).
    await jobs.scheduleDueChecks(new Date(), { jitter: false });
    await env.db.connectionHealth.updateMany({ where: {}, data: { nextCheckAt: new Date(Date.now() + 3_600_000) } });
    await env.db.connectionHealth.updateMany({ where: { connectionId: { in: ids } }, data: { method: "GET", path: "", intervalMinutes: 1, nextCheckAt: new Date(Date.now() - 60_000) } });

    const before = api.received.length;
    const now = new Date();
    const [a, b] = await Promise.all([jobs.scheduleDueChecks(now, { jitter: false }), jobs.scheduleDueChecks(now, { jitter: false })]);
    expect(a + b).toBe(20);
    // Not due again until the next slot.
    expect(await jobs.scheduleDueChecks(now, { jitter: false })).toBe(0);

    await engine.startJobs({ pollingIntervalSeconds: 0.5 });
    const deadline = Date.now() + 60_000 * TIME_SCALE;
    const done = async () => (await env.db.connectionHealth.count({ where: { connectionId: { in: ids }, state: "WORKING" } })) === 20;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error("timed out waiting for the scheduled checks");
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const hits = api.received.slice(before).map((received) => received.url);
    expect(hits.sort()).toEqual(ids.map((_, i) => `/health/${i}`).sort());
  });
});
