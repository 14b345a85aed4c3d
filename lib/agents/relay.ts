import { randomBytes } from "node:crypto";
import { decryptSecret, encryptSecret } from "../crypto";
import { NOTIFY_CHANNEL, notificationsLive, onListeningChange, onNotificationKind } from "../db/notifications";
import { pool } from "../db/pool";
import { reportGauge } from "../ops/metrics";

// Messages between app instances, through the database they share. An agent
// keeps one WebSocket to one instance, but a request for it may arrive at any
// instance behind the load balancer: that instance writes the request's frames
// here for the instance holding the agent, and the answer's frames come back
// the same way. A message is a row (so size is no concern, unlike a NOTIFY
// payload) plus a notification that wakes its addressee at commit; the
// addressee deletes what it reads. Rows carry the connection's credentials on
// their way to the agent, so they are encrypted like every secret at rest.
//
// Without notifications (the embedded database, or while listening is down)
// an instance that may be addressed polls instead.

const ENVELOPE_CONTEXT = "agent-relay";
const POLL_MS = 250;
/** Messages for an instance that died are never read; whichever instance sweeps first deletes them. */
const SWEEP_EVERY_MS = 60_000;
const ABANDONED_AFTER = "2 minutes";

type Receiver = (message: Buffer) => void;

type RelayState = {
  instanceId: string;
  receiver?: Receiver;
  /** Messages waiting to be written, per addressee, in order. */
  outbox: Map<string, Buffer[]>;
  writing: Set<string>;
  draining?: Promise<void>;
  drainAgain: boolean;
  pollTimer?: ReturnType<typeof setInterval>;
  sweepTimer?: ReturnType<typeof setInterval>;
  /** Whether this instance expects messages (it holds agents or waits for answers). */
  expecting: () => boolean;
};

const globalForRelay = globalThis as unknown as { keywayAgentRelay?: RelayState };
const initialState: RelayState = {
  instanceId: randomBytes(8).toString("hex"),
  outbox: new Map(),
  writing: new Set(),
  drainAgain: false,
  expecting: () => false,
};
const state: RelayState = (globalForRelay.keywayAgentRelay ??= initialState);

/** This process's name among the app instances; it lives as long as the process. */
export function instanceId(): string {
  return state.instanceId;
}

/** Where this instance's messages go, and when it should poll for them without notifications. */
export function receiveRelayed(receiver: Receiver, expecting: () => boolean): void {
  state.receiver = receiver;
  state.expecting = expecting;
  reportGauge("relayBacklog", () => {
    let waiting = 0;
    for (const queue of state.outbox.values()) waiting += queue.length;
    return waiting;
  });
  onNotificationKind("relay", (to) => {
    if (to === state.instanceId) void drain();
  });
  // Messages announced while notifications were away were not heard.
  onListeningChange((live) => {
    if (live && state.expecting()) void drain();
  });
  if (!state.pollTimer) {
    state.pollTimer = setInterval(() => {
      if (!notificationsLive() && state.expecting()) void drain();
    }, POLL_MS);
    state.pollTimer.unref();
  }
  if (!state.sweepTimer) {
    state.sweepTimer = setInterval(() => {
      pool()
        .query(`DELETE FROM "AgentRelay" WHERE "createdAt" < now() - interval '${ABANDONED_AFTER}'`)
        .catch(() => undefined);
    }, SWEEP_EVERY_MS);
    state.sweepTimer.unref();
  }
}

/** Queues a message for another instance; messages to one instance arrive in the order they were sent. */
export function relay(toInstance: string, message: Buffer): void {
  const queue = state.outbox.get(toInstance);
  if (queue) queue.push(message);
  else state.outbox.set(toInstance, [message]);
  if (state.writing.has(toInstance)) return;
  state.writing.add(toInstance);
  // After this turn's I/O: an answer's head, body and end usually arrive together and go in one statement.
  setImmediate(() => void write(toInstance));
}

async function write(toInstance: string): Promise<void> {
  try {
    for (;;) {
      const batch = state.outbox.get(toInstance);
      if (!batch || batch.length === 0) break;
      state.outbox.delete(toInstance);
      const payloads = batch.map((message) => Buffer.from(encryptSecret(message.toString("base64"), ENVELOPE_CONTEXT), "utf8"));
      try {
        // One statement: the rows (numbered in the order given) and, at commit, the wake-up.
        await pool().query(
          `WITH inserted AS (
             INSERT INTO "AgentRelay" ("toInstance", "payload")
             SELECT $1, payload FROM unnest($2::bytea[]) WITH ORDINALITY AS batch(payload, position) ORDER BY position
             RETURNING 1
           )
           SELECT pg_notify($3, 'relay:' || $1) FROM (SELECT count(*) FROM inserted) AS written`,
          [toInstance, payloads, NOTIFY_CHANNEL],
        );
      } catch (error) {
        // The requests waiting on these messages run into their time-outs; the error says why.
        console.warn(`Agent relay: could not write ${batch.length} message(s) for instance ${toInstance}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    state.writing.delete(toInstance);
  }
}

function drain(): Promise<void> {
  if (state.draining) {
    state.drainAgain = true;
    return state.draining;
  }
  state.draining = (async () => {
    do {
      state.drainAgain = false;
      let rows: { id: string; payload: Buffer }[];
      try {
        const result = await pool().query<{ id: string; payload: Buffer }>(`DELETE FROM "AgentRelay" WHERE "toInstance" = $1 RETURNING "id"::text AS id, "payload"`, [state.instanceId]);
        rows = result.rows;
      } catch (error) {
        console.warn(`Agent relay: could not read messages: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
      for (const row of rows) {
        let message: Buffer;
        try {
          message = Buffer.from(decryptSecret(row.payload.toString("utf8"), ENVELOPE_CONTEXT), "base64");
        } catch (error) {
          console.warn(`Agent relay: dropped a message that could not be decrypted: ${error instanceof Error ? error.message : String(error)}`);
          continue;
        }
        state.receiver?.(message);
      }
    } while (state.drainAgain);
  })().finally(() => {
    state.draining = undefined;
  });
  return state.draining;
}

/** Tests: stop polling and sweeping. */
export function stopRelay(): void {
  clearInterval(state.pollTimer);
  clearInterval(state.sweepTimer);
  state.pollTimer = undefined;
  state.sweepTimer = undefined;
}
