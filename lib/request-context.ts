import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";

// What Keyway knows about the request being served, wherever in the call
// chain it is asked: its id (on every log line, returned as X-Request-Id) and
// whether the database failed it (so the server answers 503, not 500).
// server.ts opens the context around each request; Next's compiled copy of
// lib shares the one storage through globalThis.

export type RequestContext = { requestId: string; databaseUnavailable: boolean };

const KEY = Symbol.for("keyway.requestContext");
const globalForContext = globalThis as unknown as { [KEY]?: AsyncLocalStorage<RequestContext> };
const storage = (globalForContext[KEY] ??= new AsyncLocalStorage<RequestContext>());

export const REQUEST_ID_HEADER = "X-Request-Id";
// A caller's id is kept only when it cannot smuggle anything into a log line or a header.
const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{8,128}$/;

export function requestIdFrom(header: string | string[] | undefined | null): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value && ACCEPTABLE_ID.test(value) ? value : randomUUID();
}

export function runWithRequestContext<T>(context: RequestContext, work: () => T): T {
  return storage.run(context, work);
}

export function requestContext(): RequestContext | undefined {
  return storage.getStore();
}

export function noteDatabaseUnavailable(): void {
  const context = storage.getStore();
  if (context) context.databaseUnavailable = true;
}
