import { z } from "zod";
import { pool } from "../db/pool";
import { NOTIFY_CHANNEL, onNotificationKind } from "../db/notifications";

// A running test request can be cancelled from the page that started it. The
// page names each run with a random token; the request's abort controller is
// kept here under the user's id and that token, so only whoever started a run
// can cancel it. Instances share nothing but Postgres: a cancel that arrives
// at another instance than the one running the request travels there as a
// notification ("test-cancel:<user>:<token>") on the change channel.

export const runTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, "The run token is not valid.");

const globalRuns = globalThis as unknown as { keywayTestRuns?: Map<string, AbortController>; keywayTestRunsSubscribed?: boolean };
const running = (globalRuns.keywayTestRuns ??= new Map());

const keyOf = (userId: string, token: string) => `${userId}:${token}`;

function subscribe() {
  if (globalRuns.keywayTestRunsSubscribed) return;
  globalRuns.keywayTestRunsSubscribed = true;
  onNotificationKind("test-cancel", (key) => running.get(key)?.abort());
}

/** Registers a run; the signal aborts when it is cancelled. Call `done` when the run has ended. */
export function startCancellableRun(userId: string, token: string): { signal: AbortSignal; done: () => void } {
  subscribe();
  const key = keyOf(userId, token);
  const controller = new AbortController();
  running.set(key, controller);
  return { signal: controller.signal, done: () => running.get(key) === controller && running.delete(key) };
}

/** Cancels the user's run with that token, here or (through the database) on whichever instance runs it. */
export async function cancelRun(userId: string, token: string): Promise<void> {
  const key = keyOf(userId, token);
  const local = running.get(key);
  if (local) {
    local.abort();
    return;
  }
  await pool().query("SELECT pg_notify($1, $2)", [NOTIFY_CHANNEL, `test-cancel:${key}`]);
}
