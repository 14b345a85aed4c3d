import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { db } from "../db";
import { onListeningChange, onNotificationKind } from "../db/notifications";
import { pool } from "../db/pool";
import { reportGauge } from "../ops/metrics";
import { decodeEnvelope, decodeFrame, encodeEnvelope, encodeFrame, type Frame } from "./frames";
import { AGENT_HEARTBEAT_MS } from "./presence";
import { queuePresenceCheck } from "./presence-notices";
import { instanceId, receiveRelayed, relay } from "./relay";
import { hashAgentToken, looksLikeAgentToken } from "./secret";

// The agents' side of Keyway: each agent holds one WebSocket to one app
// instance (server.ts hands the upgrade of AGENT_CONNECT_PATH here). This
// module keeps those sessions, records their presence on the Agent row, and
// carries frames between a session and whoever is waiting for an answer: a
// request on this instance (tunnel.ts), or one on another instance, through
// the database relay (relay.ts).
//
// Frames of one exchange share an id made of the requesting instance's id and
// a counter, so every instance can tell its own exchanges from relayed ones.

export const AGENT_CONNECT_PATH = "/api/agents/connect";
/** Largest WebSocket message accepted from an agent: body pieces are 64 KB, so this only stops abuse. */
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export type Session = {
  agentId: string;
  agentName: string;
  sessionId: string;
  ws: WebSocket;
  /** Exchanges in flight on this session: local ones and relayed ones. */
  exchanges: Set<string>;
  answeredPing: boolean;
};

/** Whoever waits for the agent's frames of one exchange (tunnel.ts). */
export type Waiter = {
  onFrame(frame: Frame, data: Buffer): void;
  /** The session carrying the exchange ended before the exchange did. */
  onLost(reason: string): void;
};

/** Between instances: frames for an agent, and frames back for the instance waiting. */
type RelayMessage = { k: "to-agent"; from: string; agentId: string; frame: Frame } | { k: "to-waiter"; frame: Frame } | { k: "lost"; id: string; reason: string };

type HubState = {
  sessions: Map<string, Session>;
  waiters: Map<string, Waiter>;
  /** Relayed exchanges this instance carries: exchange id → the instance waiting for it. */
  relayedFrom: Map<string, string>;
  counter: number;
  heartbeat?: ReturnType<typeof setInterval>;
  wss?: WebSocketServer;
  started: boolean;
};

const globalForHub = globalThis as unknown as { keywayAgentHub?: HubState };
const initialHub: HubState = { sessions: new Map(), waiters: new Map(), relayedFrom: new Map(), counter: 0, started: false };
const hub: HubState = (globalForHub.keywayAgentHub ??= initialHub);

function start(): void {
  if (hub.started) return;
  hub.started = true;
  receiveRelayed(onRelayed, () => hub.sessions.size > 0 || hub.waiters.size > 0);
  onNotificationKind("agent", (agentId) => {
    const session = hub.sessions.get(agentId);
    if (session) void confirmSessions([session]);
  });
  // A revocation may have been missed while notifications were away.
  onListeningChange((live) => {
    if (live) void confirmSessions([...hub.sessions.values()]);
  });
  reportGauge("agentSessions", () => hub.sessions.size);
  hub.heartbeat = setInterval(() => void beat(), AGENT_HEARTBEAT_MS);
  hub.heartbeat.unref();
}

export function newExchangeId(): string {
  hub.counter += 1;
  return `${instanceId()}.${hub.counter}`;
}

export function localSession(agentId: string): Session | undefined {
  start();
  return hub.sessions.get(agentId);
}

/** Sends one frame of an exchange toward the agent: on its session here, or relayed to the instance holding it. */
export function sendToAgent(route: { session: Session } | { instance: string; agentId: string }, frame: Frame, data?: Buffer): void {
  if ("session" in route) {
    if (frame.t === "open") route.session.exchanges.add(frame.id);
    route.session.ws.send(encodeFrame(frame, data));
  } else {
    relay(route.instance, encodeRelay({ k: "to-agent", from: instanceId(), agentId: route.agentId, frame }, data));
  }
}

export function awaitFrames(id: string, waiter: Waiter): void {
  start();
  hub.waiters.set(id, waiter);
}

export function stopAwaiting(id: string): void {
  hub.waiters.delete(id);
}

/** Relay messages share the frames' layout: JSON, then raw bytes. */
const encodeRelay: (message: RelayMessage, data?: Buffer) => Buffer = encodeEnvelope;

function onRelayed(raw: Buffer): void {
  let message: RelayMessage;
  let data: Buffer;
  try {
    const decoded = decodeEnvelope<RelayMessage>(raw);
    message = decoded.header;
    data = decoded.data;
  } catch {
    return;
  }
  if (message.k === "to-waiter") deliver(message.frame, data);
  else if (message.k === "lost") hub.waiters.get(message.id)?.onLost(message.reason);
  else {
    const session = hub.sessions.get(message.agentId);
    const { frame } = message;
    if (!session) {
      if (frame.t === "open") relay(message.from, encodeRelay({ k: "lost", id: frame.id, reason: "its connection to Keyway moved or ended just now" }));
      return;
    }
    if (frame.t === "open") hub.relayedFrom.set(frame.id, message.from);
    sendToAgent({ session }, frame, data);
    if (frame.t === "cancel") finishExchange(session, frame.id);
  }
}

/** A frame from an agent (or relayed from the instance holding it) for the exchange's waiter. */
function deliver(frame: Frame, data: Buffer): void {
  if (!("id" in frame)) return;
  hub.waiters.get(frame.id)?.onFrame(frame, data);
}

function finishExchange(session: Session, id: string): void {
  session.exchanges.delete(id);
  hub.relayedFrom.delete(id);
}

function onAgentMessage(session: Session, raw: Buffer): void {
  let decoded: { frame: Frame; data: Buffer };
  try {
    decoded = decodeFrame(raw);
  } catch {
    session.ws.close(1002, "malformed frame");
    return;
  }
  const { frame, data } = decoded;
  if (frame.t === "ping") {
    session.ws.send(encodeFrame({ t: "pong", id: frame.id }));
    return;
  }
  if (frame.t !== "head" && frame.t !== "data" && frame.t !== "ack" && frame.t !== "end" && frame.t !== "error") return;
  if (!session.exchanges.has(frame.id)) return;
  const from = hub.relayedFrom.get(frame.id);
  if (from) relay(from, encodeRelay({ k: "to-waiter", frame }, data));
  else deliver(frame, data);
  if (frame.t === "end" || frame.t === "error") finishExchange(session, frame.id);
}

function onSessionClosed(session: Session): void {
  if (hub.sessions.get(session.agentId) === session) hub.sessions.delete(session.agentId);
  const reason = "the agent disconnected during the request";
  for (const id of session.exchanges) {
    const from = hub.relayedFrom.get(id);
    if (from) relay(from, encodeRelay({ k: "lost", id, reason }));
    else hub.waiters.get(id)?.onLost(reason);
    hub.relayedFrom.delete(id);
  }
  session.exchanges.clear();
  void pool()
    .query(`UPDATE "Agent" SET "instanceId" = NULL, "sessionId" = NULL, "disconnectedAt" = now() WHERE "id" = $1 AND "sessionId" = $2`, [session.agentId, session.sessionId])
    .then((ended) => {
      if (ended.rowCount) queuePresenceCheck(session.agentId, "closed");
    })
    .catch((error: unknown) => console.warn(`Agents: could not record that ${session.agentName} disconnected: ${error instanceof Error ? error.message : String(error)}`));
}

/**
 * Renews the sessions' presence, and ends those whose agent was revoked or
 * has since connected elsewhere (its row names another session).
 */
async function confirmSessions(sessions: Session[]): Promise<void> {
  if (sessions.length === 0) return;
  let current: Set<string>;
  try {
    const result = await pool().query<{ sessionId: string }>(
      `UPDATE "Agent" SET "lastSeenAt" = now() WHERE "sessionId" = ANY($1::text[]) AND "revokedAt" IS NULL RETURNING "sessionId"`,
      [sessions.map((s) => s.sessionId)],
    );
    current = new Set(result.rows.map((row) => row.sessionId));
  } catch {
    return; // The database is away: sessions stay, and their rows age until it is back.
  }
  for (const session of sessions) {
    if (!current.has(session.sessionId)) session.ws.close(4001, "This agent was revoked, or connected again elsewhere.");
  }
}

async function beat(): Promise<void> {
  const sessions = [...hub.sessions.values()];
  for (const session of sessions) {
    // No answer to the previous ping: the network path is gone without a close.
    if (!session.answeredPing) {
      session.ws.terminate();
      continue;
    }
    session.answeredPing = false;
    session.ws.ping();
  }
  await confirmSessions(sessions.filter((s) => s.ws.readyState === s.ws.OPEN));
}

function refuse(socket: Duplex, status: 401 | 400, message: string): void {
  const body = JSON.stringify({ error: { code: status === 401 ? "agent_token_refused" : "bad_request", message } });
  socket.end(`HTTP/1.1 ${status} ${status === 401 ? "Unauthorized" : "Bad Request"}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

function header(request: IncomingMessage, name: string, max: number): string | null {
  const value = request.headers[name];
  const one = Array.isArray(value) ? value[0] : value;
  return one ? one.slice(0, max) : null;
}

type Authenticated = { ok: true; agent: { id: string; name: string; team: { name: string } } } | { ok: false; message: string };

async function authenticate(request: IncomingMessage): Promise<Authenticated> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header(request, "authorization", 200) ?? "");
  const token = match?.[1];
  if (!token || !looksLikeAgentToken(token)) return { ok: false, message: "Send the agent's token: Authorization: Bearer kwa_…" };
  const agent = await db.agent.findUnique({ where: { tokenHash: hashAgentToken(token) }, select: { id: true, name: true, revokedAt: true, team: { select: { name: true } } } });
  if (!agent) return { ok: false, message: "This agent token is not known to Keyway. Register the agent again and use the new token." };
  if (agent.revokedAt) return { ok: false, message: `The agent “${agent.name}” was revoked. Register a new agent to connect again.` };
  return { ok: true, agent };
}

/**
 * server.ts: a plain request to AGENT_CONNECT_PATH. The agent asks this before
 * each WebSocket handshake, whose failure would not say why: 426 means "token
 * fine, upgrade", 401 carries the reason the token is refused.
 */
export async function handleAgentProbe(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const outcome = await authenticate(request);
  const status = outcome.ok ? 426 : 401;
  const body = JSON.stringify(outcome.ok ? { agent: outcome.agent.name } : { error: { code: "agent_token_refused", message: outcome.message } });
  response.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...(outcome.ok ? { upgrade: "websocket", connection: "Upgrade" } : {}) });
  response.end(body);
}

/** server.ts: an agent asks to connect. The token decides who it is; anything else is refused before the WebSocket opens. */
export async function handleAgentUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  start();
  const outcome = await authenticate(request);
  if (!outcome.ok) return refuse(socket, 401, outcome.message);
  const { agent } = outcome;

  hub.wss ??= new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  hub.wss.handleUpgrade(request, socket, head, (ws) => void openSession(ws, agent, request));
}

async function openSession(ws: WebSocket, agent: { id: string; name: string; team: { name: string } }, request: IncomingMessage): Promise<void> {
  const session: Session = { agentId: agent.id, agentName: agent.name, sessionId: randomBytes(12).toString("hex"), ws, exchanges: new Set(), answeredPing: true };
  ws.on("pong", () => (session.answeredPing = true));
  ws.on("message", (raw: RawData, isBinary: boolean) => {
    if (isBinary) onAgentMessage(session, Buffer.isBuffer(raw) ? raw : Buffer.concat(Array.isArray(raw) ? raw : [Buffer.from(raw)]));
  });
  ws.on("close", () => onSessionClosed(session));
  ws.on("error", () => ws.terminate());
  // Claim the row first: a revocation between the token check and now leaves no session behind.
  const claimed = await db.agent.updateMany({
    where: { id: agent.id, revokedAt: null },
    data: {
      instanceId: instanceId(),
      sessionId: session.sessionId,
      connectedAt: new Date(),
      lastSeenAt: new Date(),
      disconnectedAt: null,
      version: header(request, "x-keyway-agent-version", 40),
      hostname: header(request, "x-keyway-agent-host", 255),
    },
  });
  if (claimed.count === 0) {
    ws.close(4001, "This agent was revoked.");
    return;
  }
  if (ws.readyState !== ws.OPEN) {
    // It closed while the row was being claimed: record that it left.
    onSessionClosed(session);
    return;
  }
  // An earlier session of the same agent on this instance gives way to the new one.
  hub.sessions.get(agent.id)?.ws.close(4002, "Replaced by a newer connection of the same agent.");
  hub.sessions.set(agent.id, session);
  ws.send(encodeFrame({ t: "welcome", agent: agent.name, team: agent.team.name }));
  queuePresenceCheck(agent.id, "opened");
}

/** Tests and shutdown: end every session here, as if each agent disconnected. */
export async function closeAgentSessions(): Promise<void> {
  const sessions = [...hub.sessions.values()];
  await Promise.all(
    sessions.map(
      (session) =>
        new Promise<void>((resolve) => {
          session.ws.once("close", () => resolve());
          session.ws.close(1001, "Keyway is shutting down.");
          setTimeout(() => {
            session.ws.terminate();
            resolve();
          }, 1_000).unref();
        }),
    ),
  );
}
