import { createRequire } from "node:module";
import pino, { type Logger } from "pino";
import { requestContext } from "./request-context";

// Keyway's log: one JSON line per event (pino), readable lines on a
// developer's terminal (pino-pretty, a development dependency, used only when
// it is installed and the output is a terminal, or KEYWAY_LOG_FORMAT=pretty).
// Every line written while a request is served carries its id (reqId), the
// one returned as X-Request-Id. What goes in is chosen by the caller: never a
// secret, a query string or a header value.

const KEY = Symbol.for("keyway.logger");
const globalForLog = globalThis as unknown as { [KEY]?: Logger };

function prettyAvailable(): boolean {
  try {
    createRequire(import.meta.url).resolve("pino-pretty");
    return true;
  } catch {
    return false;
  }
}

/** How long a line may wait in the buffer below before it is written. */
export const LOG_FLUSH_INTERVAL_MS = 200;

/**
 * Standard output, written in batches: the proxy logs a line per request, and
 * a write per line (pino's default) cost a system call and a thread-pool round
 * trip each, more than the rest of the line. Lines wait until 4 KB have
 * gathered or LOG_FLUSH_INTERVAL_MS has passed; pino writes what is left when
 * the process exits (also on process.exit and an uncaught exception).
 */
function batchedStdout() {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4096 });
  setInterval(() => {
    try {
      destination.flush();
    } catch {
      // Closed: the process is exiting, and pino wrote what was left.
    }
  }, LOG_FLUSH_INTERVAL_MS).unref();
  return destination;
}

function createLogger(): Logger {
  const format = process.env.KEYWAY_LOG_FORMAT;
  const pretty = format === "pretty" || (format !== "json" && process.env.NODE_ENV !== "production" && process.stdout.isTTY === true);
  const usePretty = pretty && prettyAvailable();
  const options = {
    level: process.env.KEYWAY_LOG_LEVEL || "info",
    base: undefined,
    mixin() {
      const context = requestContext();
      return context ? { reqId: context.requestId } : {};
    },
    ...(usePretty ? { transport: { target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" } } } : {}),
  };
  return usePretty ? pino(options) : pino(options, batchedStdout());
}

export const log: Logger = (globalForLog[KEY] ??= createLogger());

/** An error's message for a log line (its stack only when it is not one of ours to explain). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
