import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import { startHookSink } from "../support/notification-sinks";
import { TIME_SCALE } from "../support/time-scale";

// agent.offline / agent.online for an agent no health check goes through, with
// two Keyway instances on one database: this process (the hub the agent
// connects to, and a job engine) and a second process with its own job engine
// that also sweeps for presence changes on a timer of its own. A real agent
// (agent/keyway-agent.mjs) is stopped and started; an event webhook channel
// gets exactly one agent.offline and one agent.online, and a tunnel that drops
// and comes back within the presence timeout says nothing.

process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.1/32";

const AGENT_SCRIPT = path.join(process.cwd(), "agent", "keyway-agent.mjs");
const INSTANCE_SCRIPT = path.join(process.cwd(), "test", "support", "jobs-instance.ts");

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let hub: typeof import("@/lib/agents/hub");
let agents: typeof import("@/lib/agents");
let jobs: typeof import("@/lib/jobs/all");
let owner: Awaited<ReturnType<typeof makeUser>>;
let keyway: { server: Server; url: string };
let sink: Awaited<ReturnType<typeof startHookSink>>;
let second: ChildProcess | undefined;
let running: ChildProcess | undefined;
const logs: string[] = [];

beforeAll(async () => {
  env = await useFreshAppDatabase("apin_agent_presence");
  hub = await import("@/lib/agents/hub");
  agents = await import("@/lib/agents");
  jobs = await import("@/lib/jobs/all");
  owner = await makeUser("presence-owner");
  sink = await startHookSink();
  const server = createServer((request, response) => {
    if (request.url === hub.AGENT_CONNECT_PATH) void hub.handleAgentProbe(request, response);
    else response.writeHead(404).end();
  });
  server.on("upgrade", (request, socket, head) => void hub.handleAgentUpgrade(request, socket, head).catch(() => socket.destroy()));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  keyway = { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
  // Instance one: this process's engine. Instance two: its own process, engine and sweeping timer.
  await jobs.startJobs({ pollingIntervalSeconds: 0.5 });
  second = spawn(process.execPath, ["--import", "tsx", INSTANCE_SCRIPT], {
    env: { ...process.env, DATABASE_URL: env.url, ANNOUNCE_EVERY_MS: "250", LOG_LEVEL: "warn" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  second.stderr!.on("data", (chunk: Buffer) => logs.push(`second: ${chunk.toString("utf8")}`));
  await new Promise<void>((resolve, reject) => {
    second!.stdout!.on("data", (chunk: Buffer) => (chunk.toString("utf8").includes("ready") ? resolve() : undefined));
    second!.once("exit", (code) => reject(new Error(`the second instance exited (${code}): ${logs.join("")}`)));
  });
});

afterAll(async () => {
  await stopAgent();
  if (second && second.exitCode === null) {
    await new Promise<void>((resolve) => {
      second!.once("exit", () => resolve());
      second!.kill("SIGTERM");
    });
  }
  await hub?.closeAgentSessions();
  await jobs?.stopJobs();
  keyway?.server.closeAllConnections();
  await new Promise((resolve) => keyway?.server.close(resolve));
  await sink?.close();
  const { closePool } = await import("@/lib/db/pool");
  await closePool();
  await env?.close();
});

function startAgent(token: string): void {
  const child = spawn(process.execPath, [AGENT_SCRIPT, "--url", keyway.url, "--allow", "127.0.0.1/32"], {
    env: { PATH: process.env.PATH, NODE_ENV: "production", KEYWAY_AGENT_TOKEN: token },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk: Buffer) => logs.push(`agent: ${chunk.toString("utf8")}`));
  child.stderr!.on("data", (chunk: Buffer) => logs.push(`agent: ${chunk.toString("utf8")}`));
  running = child;
}

async function stopAgent(): Promise<void> {
  const child = running;
  running = undefined;
  if (!child || child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}

async function until<T>(what: string, probe: () => Promise<T> | T, timeoutMs = 60_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs * TIME_SCALE;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}.\n${logs.join("").slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function presence(agentId: string) {
  return (await agents.listAgents(owner.personalTeam.id)).find((a) => a.id === agentId)!.presence.state;
}

/** The agent events the endpoint received for one agent, in order, each verified as Standard Webhooks. */
function received(agentId: string, secret: string): string[] {
  const webhook = new Webhook(secret);
  return sink.posts
    .filter((post) => post.path === "/agents")
    .map((post) => webhook.verify(post.body, { "webhook-id": String(post.headers["webhook-id"]), "webhook-timestamp": String(post.headers["webhook-timestamp"]), "webhook-signature": String(post.headers["webhook-signature"]) }) as { type: string; data: { subject: { id: string } } })
    .filter((event) => event.data.subject.id === agentId)
    .map((event) => event.type);
}

/** Every presence check the hub queued has run (on either instance). */
async function checksSettled(): Promise<boolean> {
  const rows = await env.db.$queryRaw<{ pending: bigint }[]>`SELECT count(*) AS pending FROM pgboss.job WHERE name = 'agent-presence-check' AND state NOT IN ('completed', 'failed', 'cancelled')`;
  return rows[0]!.pending === 0n;
}

describe("agent presence events", () => {
  it("a real agent stopped gives exactly one agent.offline, started again exactly one agent.online, across two instances; a quick reconnect gives none", async () => {
    const channel = await (await import("@/lib/notifications")).createChannel(owner.personalTeam.id, owner.actor, {
      name: "Agent alerts",
      kind: "WEBHOOK",
      eventTypes: ["agent.offline", "agent.online"],
      digest: false,
      emailTo: [],
      slackUrl: "",
      url: `${sink.url}/agents`,
    });
    const secret = channel.signingSecret!;
    // No connection goes through this agent: no health check will ever find it down.
    const agent = await agents.createAgent(owner.personalTeam.id, owner.actor, { name: "warehouse-agent" });

    startAgent(agent.token);
    await until("the agent online", async () => (await presence(agent.id)) === "online");

    // A tunnel that drops and comes back within the presence timeout is no change worth telling.
    await stopAgent();
    await until("the disconnect recorded", async () => (await presence(agent.id)) === "offline");
    startAgent(agent.token);
    await until("the agent online again", async () => (await presence(agent.id)) === "online");
    await until("the delayed presence checks run", checksSettled, 90_000);
    expect(received(agent.id, secret)).toEqual([]);
    expect(await env.db.healthNotice.count({ where: { key: { contains: agent.id } } })).toBe(0);

    // Gone for good: one agent.offline once the presence timeout has passed.
    const stoppedAt = Date.now();
    await stopAgent();
    await until("agent.offline at the endpoint", () => received(agent.id, secret).includes("agent.offline"), 120_000);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(20_000);
    await until("the delayed presence checks run", checksSettled, 90_000);
    // The second instance keeps sweeping every 250 ms meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(received(agent.id, secret)).toEqual(["agent.offline"]);

    startAgent(agent.token);
    await until("agent.online at the endpoint", () => received(agent.id, secret).includes("agent.online"), 60_000);
    await until("the presence checks run", checksSettled, 90_000);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(received(agent.id, secret)).toEqual(["agent.offline", "agent.online"]);
    const keys = (await env.db.healthNotice.findMany({ where: { key: { contains: agent.id } }, orderBy: { createdAt: "asc" } })).map((n) => n.key.split(":")[0]);
    expect(keys).toEqual(["agent.offline", "agent.online"]);
    expect(await env.db.notificationDelivery.count({ where: { channelId: channel.id } })).toBe(2);
  }, 300_000 * TIME_SCALE);

  it("many instances looking at once announce each change once (the conditional UPDATE decides)", async () => {
    const notices = await import("@/lib/agents/presence-notices");
    const agent = await agents.createAgent(owner.personalTeam.id, owner.actor, { name: "raced-agent" });
    const now = Date.now();
    // Its instance died 30 s ago without saying so: the row stopped being renewed.
    await env.db.agent.update({ where: { id: agent.id }, data: { instanceId: "dead-instance", sessionId: "s1", connectedAt: new Date(now - 600_000), lastSeenAt: new Date(now - 30_000) } });
    await Promise.all(Array.from({ length: 8 }, (_, i) => notices.announcePresenceChanges(new Date(), i % 2 ? agent.id : undefined)));
    expect(await env.db.healthNotice.count({ where: { key: { startsWith: `agent.offline:${agent.id}:` } } })).toBe(1);

    // Back, on another instance.
    await env.db.agent.update({ where: { id: agent.id }, data: { instanceId: "live-instance", sessionId: "s2", connectedAt: new Date(), lastSeenAt: new Date() } });
    await Promise.all(Array.from({ length: 8 }, () => notices.announcePresenceChanges()));
    expect(await env.db.healthNotice.count({ where: { key: { startsWith: `agent.online:${agent.id}:` } } })).toBe(1);
    // Nothing more while nothing changes.
    await Promise.all(Array.from({ length: 4 }, () => notices.announcePresenceChanges()));
    expect(await env.db.healthNotice.count({ where: { key: { contains: agent.id } } })).toBe(2);
  });
});
