import { randomBytes } from "node:crypto";
import pg from "pg";
import { config } from "../config";
import { pool } from "./check";
import { evictAllKeys, evictKey } from "./keys";
import { evictAllTargets, evictClient, evictConnection } from "./targets";

// Each instance listens on the channel the database's triggers announce
// changes on (migration 20261201010000_proxy_invalidation) and evicts what a
// change makes stale. While it listens, a cached request costs no query at
// all; while it does not (still connecting, connection lost, or a database
// that does not deliver notifications, such as the embedded one), the proxy
// checks versions with one query per request instead. Whatever was cached
// before listening started, or while it was down, is dropped: it may have
// missed a change.

export const NOTIFY_CHANNEL = "keyway_proxy";
const CHANNEL = NOTIFY_CHANNEL;
const PROOF_TIMEOUT_MS = 2_000;
const MAX_RETRY_MS = 30_000;

type ListenerState = {
  client?: pg.Client;
  starting?: Promise<void>;
  live: boolean;
  /** Notifications proved not to arrive on this database: stay with version checks. */
  unsupported: boolean;
  retryMs: number;
  retryTimer?: ReturnType<typeof setTimeout>;
  proof?: { nonce: string; arrived: () => void };
  stopped: boolean;
};

type NotificationHandler = (id: string) => void;

const globalState = globalThis as unknown as { keywayProxyListener?: ListenerState; keywayNotificationHandlers?: Map<string, NotificationHandler> };
const state = (globalState.keywayProxyListener ??= { live: false, unsupported: false, retryMs: 1_000, stopped: false });
// Other parts of Keyway that announce on this channel (lib/agents: "agent:<id>", "relay:<instance>").
const handlers = (globalState.keywayNotificationHandlers ??= new Map<string, NotificationHandler>());

/** Hears "<kind>:<id>" notifications on the channel; one handler per kind. */
export function onNotificationKind(kind: string, handler: NotificationHandler): void {
  handlers.set(kind, handler);
  ensureListening();
}

function onNotification(payload: string | undefined) {
  if (!payload) return;
  const [kind = "", id = ""] = payload.split(/:(.*)/s);
  if (kind === "key") evictKey(id);
  else if (kind === "connection") evictConnection(id);
  else if (kind === "client") evictClient(id);
  else if (kind === "ping" && state.proof?.nonce === id) state.proof.arrived();
  else handlers.get(kind)?.(id);
}

function goDown(reason: string) {
  const wasLive = state.live;
  state.live = false;
  evictAllKeys();
  evictAllTargets();
  const client = state.client;
  state.client = undefined;
  void client?.end().catch(() => undefined);
  if (state.stopped || state.unsupported) return;
  if (wasLive) console.warn(`Proxy cache: stopped hearing database change notifications (${reason}); checking every request until they are back.`);
  clearTimeout(state.retryTimer);
  state.retryTimer = setTimeout(() => ensureListening(), state.retryMs);
  state.retryTimer.unref();
  state.retryMs = Math.min(MAX_RETRY_MS, state.retryMs * 2);
}

async function start(): Promise<void> {
  const url = config().DATABASE_URL;
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  state.client = client;
  client.on("error", (error) => goDown(error.message));
  client.on("end", () => {
    if (state.client === client) goDown("connection closed");
  });
  client.on("notification", (message) => onNotification(message.payload));
  try {
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    // Prove that a notification sent on another connection reaches this one.
    const nonce = randomBytes(8).toString("hex");
    const arrived = new Promise<boolean>((resolve) => {
      state.proof = { nonce, arrived: () => resolve(true) };
      setTimeout(() => resolve(false), PROOF_TIMEOUT_MS).unref();
    });
    await pool().query("SELECT pg_notify($1, $2)", [CHANNEL, `ping:${nonce}`]);
    const delivered = await arrived;
    state.proof = undefined;
    if (state.client !== client) return;
    if (!delivered) {
      state.unsupported = true;
      console.warn("Proxy cache: this database does not deliver change notifications between connections; the proxy checks versions with one query per request.");
      goDown("notifications not delivered");
      return;
    }
    evictAllKeys();
    evictAllTargets();
    state.live = true;
    state.retryMs = 1_000;
  } catch (error) {
    if (state.client === client) goDown(error instanceof Error ? error.message : String(error));
  }
}

/** Starts listening once (and again after a failure); never waits for it. */
export function ensureListening(): void {
  if (state.stopped || state.unsupported || state.client || state.starting) return;
  state.starting = start().finally(() => (state.starting = undefined));
}

/** True when cached keys and connections are kept current by notifications. */
export function notificationsLive(): boolean {
  ensureListening();
  return state.live;
}

/** Tests and benchmarks: wait until listening has either started or been found unsupported. */
export async function listeningSettled(): Promise<boolean> {
  ensureListening();
  await state.starting;
  return state.live;
}

export async function stopListening(): Promise<void> {
  state.stopped = true;
  state.live = false;
  clearTimeout(state.retryTimer);
  const client = state.client;
  state.client = undefined;
  await client?.end().catch(() => undefined);
}
