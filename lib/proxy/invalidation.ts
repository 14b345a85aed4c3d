import { notificationsLive, onListeningChange, onNotificationKind } from "../db/notifications";
import { evictAllKeys, evictKey } from "./keys";
import { evictAllTargets, evictClient, evictConnection } from "./targets";

// The proxy's caches subscribe to the database's change notifications
// (lib/db/notifications.ts): a change evicts what it makes stale. While the
// notifications are live a cached request costs no query at all; while they
// are not (still connecting, lost, or a database that cannot deliver them),
// the proxy checks versions with one query per request instead. Whatever was
// cached when they went live or were lost is dropped: it may have missed a change.

const globalForInvalidation = globalThis as unknown as { keywayProxySubscribed?: boolean };

function evictEverything() {
  evictAllKeys();
  evictAllTargets();
}

/** True when cached keys and connections are kept current by notifications (subscribing on first use). */
export function cachesKeptCurrent(): boolean {
  if (!globalForInvalidation.keywayProxySubscribed) {
    globalForInvalidation.keywayProxySubscribed = true;
    onNotificationKind("key", evictKey);
    onNotificationKind("connection", evictConnection);
    onNotificationKind("client", evictClient);
    onListeningChange(evictEverything);
  }
  return notificationsLive();
}
