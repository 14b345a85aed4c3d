import { randomBytes } from "node:crypto";
import pg from "pg";
import { config } from "../config";
import { log } from "../log";
import { clientOptions, pool } from "./pool";

// The database's change notifications, for whoever keeps something that a
// change elsewhere makes stale: the proxy's caches (keys, connections, OAuth
// clients) and the agents (revocations, the relay between instances). Each
// instance holds one connection that LISTENs on the channel the triggers
// announce on (migration 20261201010000_proxy_invalidation), as
// "<kind>:<id>"; subscribers hear their kind, and hear when the stream goes
// live or is lost (then they may have missed a change).
//
// The listener never gives up: after any failure it retries with back-off
// (1 s doubling to 30 s). It counts as live only after a notification it sent
// itself came back on its own connection (so a busy pool cannot fail the
// proof), and stays live only while such a proof comes back every
// PROOF_EVERY_MS: a frozen server or a silently dead connection is noticed
// within seconds. The one database that cannot deliver notifications between
// connections (the embedded PGlite, which runs every connection in one
// backend) is recognised by that fact, not by a time-out.

export const NOTIFY_CHANNEL = "keyway_proxy";
export const LISTENER_APPLICATION_NAME = "keyway-notifications";
const PROOF_TIMEOUT_MS = 5_000;
const PROOF_EVERY_MS = 15_000;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

export type ListenerPhase =
  /** No DATABASE_URL in this process. */
  | "off"
  | "connecting"
  | "live"
  /** Lost or failed; a retry is scheduled. */
  | "retrying"
  /** Every connection shares one backend: notifications cannot cross between connections. */
  | "unsupported"
  | "stopped";

export type ListenerStatus = { phase: ListenerPhase; since: Date; failures: number; lastError?: string };

type NotificationHandler = (id: string) => void;
type LiveHandler = (live: boolean) => void;

type ListenerState = {
  client?: pg.Client;
  starting?: Promise<void>;
  status: ListenerStatus;
  retryMs: number;
  retryTimer?: ReturnType<typeof setTimeout>;
  proofTimer?: ReturnType<typeof setInterval>;
  proofs: Map<string, () => void>;
  handlers: Map<string, NotificationHandler>;
  liveHandlers: Set<LiveHandler>;
};

// Next's dev server and the custom server load this module more than once: one state per process.
const globalState = globalThis as unknown as { keywayNotifications?: ListenerState };
const initialState: ListenerState = {
  status: { phase: "connecting", since: new Date(), failures: 0 },
  retryMs: FIRST_RETRY_MS,
  proofs: new Map(),
  handlers: new Map(),
  liveHandlers: new Set(),
};
const state: ListenerState = (globalState.keywayNotifications ??= initialState);

/** Hears "<kind>:<id>" notifications; one handler per kind. */
export function onNotificationKind(kind: string, handler: NotificationHandler): void {
  state.handlers.set(kind, handler);
  ensureListening();
}

/** Hears the stream going live (true) and being lost (false): either way, whatever was cached may have missed a change. */
export function onListeningChange(handler: LiveHandler): void {
  state.liveHandlers.add(handler);
}

function setPhase(phase: ListenerPhase, lastError?: string) {
  const wasLive = state.status.phase === "live";
  if (state.status.phase !== phase) state.status = { ...state.status, phase, since: new Date() };
  if (lastError !== undefined) state.status.lastError = lastError;
  const isLive = phase === "live";
  if (wasLive !== isLive) for (const handler of state.liveHandlers) handler(isLive);
}

function onNotification(payload: string | undefined) {
  if (!payload) return;
  const [kind = "", id = ""] = payload.split(/:(.*)/s);
  if (kind === "ping") state.proofs.get(id)?.();
  else state.handlers.get(kind)?.(id);
}

function goDown(client: pg.Client, reason: string) {
  if (state.client !== client) return;
  state.client = undefined;
  clearInterval(state.proofTimer);
  void client.end().catch(() => undefined);
  if (state.status.phase === "stopped" || state.status.phase === "unsupported") return;
  if (state.status.phase === "live") log.warn({ reason }, "change notifications lost; the proxy checks every request with the database until they are back");
  state.status.failures += 1;
  setPhase("retrying", reason);
  clearTimeout(state.retryTimer);
  state.retryTimer = setTimeout(() => {
    state.retryTimer = undefined;
    ensureListening();
  }, state.retryMs);
  state.retryTimer.unref();
  state.retryMs = Math.min(MAX_RETRY_MS, state.retryMs * 2);
}

/** Sends a ping on the listening connection itself and waits for it to come back there. */
async function prove(client: pg.Client): Promise<void> {
  const nonce = randomBytes(8).toString("hex");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arrived = new Promise<void>((resolve, reject) => {
    state.proofs.set(nonce, resolve);
    timer = setTimeout(() => reject(new Error(`a notification took more than ${PROOF_TIMEOUT_MS / 1000} s to arrive`)), PROOF_TIMEOUT_MS);
  });
  try {
    await client.query("SELECT pg_notify($1, $2)", [NOTIFY_CHANNEL, `ping:${nonce}`]);
    await arrived;
  } finally {
    clearTimeout(timer);
    state.proofs.delete(nonce);
  }
}

/** True when the pool's connections run in the listener's backend: then another connection's NOTIFY never reaches it. */
async function sharesOneBackend(client: pg.Client): Promise<boolean> {
  const [mine, theirs] = await Promise.all([client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid"), pool().query<{ pid: number }>("SELECT pg_backend_pid() AS pid")]);
  return mine.rows[0]?.pid === theirs.rows[0]?.pid;
}

async function start(): Promise<void> {
  const url = config().DATABASE_URL;
  if (!url) return setPhase("off");
  // Named, so an operator (and the fault tests) can find it in pg_stat_activity.
  const client = new pg.Client({ ...clientOptions(url), application_name: LISTENER_APPLICATION_NAME });
  state.client = client;
  if (state.status.phase !== "retrying") setPhase("connecting");
  client.on("error", (error) => goDown(client, error.message));
  client.on("end", () => goDown(client, "connection closed"));
  client.on("notification", (message) => onNotification(message.payload));
  try {
    await client.connect();
    await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    await prove(client);
    if (await sharesOneBackend(client)) {
      setPhase("unsupported");
      log.warn("this database runs every connection in one backend, so change notifications cannot reach this instance; the proxy checks versions with one query per request");
      state.client = undefined;
      await client.end().catch(() => undefined);
      return;
    }
    if (state.client !== client) return;
    state.retryMs = FIRST_RETRY_MS;
    if (state.status.failures > 0) log.info({ failures: state.status.failures }, "change notifications live again");
    setPhase("live");
    state.proofTimer = setInterval(() => {
      prove(client).catch((error: unknown) => goDown(client, error instanceof Error ? error.message : String(error)));
    }, PROOF_EVERY_MS);
    state.proofTimer.unref();
  } catch (error) {
    goDown(client, error instanceof Error ? error.message : String(error));
  }
}

/** Starts listening once (and again after a failure); never waits for it. */
export function ensureListening(): void {
  const phase = state.status.phase;
  if (phase === "stopped" || phase === "unsupported" || phase === "live" || state.client || state.starting) return;
  // A scheduled retry runs from its timer; callers asking in between do not hurry it.
  if (state.retryTimer) return;
  state.starting = start().finally(() => (state.starting = undefined));
}

/** True when subscribers can count on hearing every change. */
export function notificationsLive(): boolean {
  ensureListening();
  return state.status.phase === "live";
}

export function listenerStatus(): ListenerStatus {
  return { ...state.status };
}

/** Tests and benchmarks: wait until the current attempt to listen has ended. */
export async function listeningSettled(): Promise<boolean> {
  ensureListening();
  await state.starting;
  return state.status.phase === "live";
}

export async function stopListening(): Promise<void> {
  clearTimeout(state.retryTimer);
  state.retryTimer = undefined;
  clearInterval(state.proofTimer);
  setPhase("stopped");
  const client = state.client;
  state.client = undefined;
  await client?.end().catch(() => undefined);
}

/** Tests: listen again after stopListening (a new database, a new process-wide start). */
export function resetListenerForTests(): void {
  clearTimeout(state.retryTimer);
  state.retryTimer = undefined;
  state.retryMs = FIRST_RETRY_MS;
  state.status = { phase: "connecting", since: new Date(), failures: 0 };
}
