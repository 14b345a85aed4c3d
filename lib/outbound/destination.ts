import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { blockedMessage, checkAddress, type AllowList, type Verdict } from "./address-policy";
import { OutboundError } from "./errors";

// Where a request may go. The WHATWG URL parser already turns every spelling
// of an IPv4 address ("2130706433", "0177.0.0.1", "0x7f.1", "127.1") into
// dotted decimal, so what is checked is the address a socket would reach.
// Host names are resolved once, here, and the socket connects to an address
// that was checked: a second lookup is what DNS rebinding would answer
// differently.

/** Resolves a host name to all its addresses; tests inject one that answers what they need. */
export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

export function blockedError(hostname: string, verdict: Extract<Verdict, { allowed: false }>, viaDns: boolean): OutboundError {
  return new OutboundError("blocked", blockedMessage(hostname, verdict, viaDns));
}

/** Parses a URL Keyway was asked to reach (or redirected to), refusing what it never sends. */
export function parseTarget(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw new OutboundError("invalid-url", base ? "The server redirected to an address that is not a valid URL." : "The URL is not valid.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new OutboundError("invalid-url", `Only http:// and https:// URLs can be requested, not ${url.protocol}//${base ? " (the server redirected there)" : ""}.`);
  }
  if (url.username || url.password) {
    // Sending them would put a secret where logs and proxies record URLs; the connection's authentication is the place for it.
    throw new OutboundError("invalid-url", "The URL contains a user name or password (user:pass@host); put credentials in the connection's authentication instead.");
  }
  return url;
}

/** The host of a URL without the brackets an IPv6 literal carries. */
export function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "");
}

/** net.connect does not call `lookup` for IP literals, so they are checked before connecting. */
export function checkLiteralHost(url: URL, allow: AllowList): void {
  const host = bareHostname(url);
  if (!isIP(host)) return;
  const verdict = checkAddress(host, allow);
  if (!verdict.allowed) throw blockedError(host, verdict, false);
}

/**
 * A `lookup` for net.connect that resolves through `resolve`, checks every
 * address (one private address among public ones is enough to refuse: which
 * one the socket would pick is not ours to predict) and hands back only
 * checked addresses.
 */
export function guardedLookup(allow: AllowList, resolve: Resolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname).then(
      (resolved) => {
        for (const { address } of resolved) {
          const verdict = checkAddress(address, allow);
          if (!verdict.allowed) return callback(blockedError(hostname, verdict, true), "", 4);
        }
        const wanted = options.family === 4 || options.family === 6 ? resolved.filter((a) => a.family === options.family) : resolved;
        const first = wanted[0];
        if (!first) return callback(Object.assign(new Error(`No address for ${hostname}`), { code: "ENOTFOUND" }), "", 4);
        if (options.all) return callback(null, wanted);
        callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, "", 4),
    );
  };
}
