import { config } from "./config";

/**
 * The caller's address. X-Forwarded-For is set by whoever is in front of us, so
 * only its entries added by trusted proxies mean anything: with
 * KEYWAY_TRUST_PROXY the left-most entry (the client as the first proxy saw it),
 * otherwise the right-most (added by the hop nearest to us, Next's own server
 * when nothing is in front), which a client cannot forge.
 */
export function clientIp(headers: Headers): string {
  const forwarded = headers.get("x-forwarded-for");
  if (forwarded) {
    const hops = forwarded.split(",").map((h) => h.trim()).filter(Boolean);
    const chosen = config().KEYWAY_TRUST_PROXY ? hops[0] : hops[hops.length - 1];
    if (chosen) return chosen;
  }
  return headers.get("x-real-ip")?.trim() || "unknown";
}
