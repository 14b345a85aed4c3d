// Replaying a received event elsewhere: which of its headers make sense to send
// again, and the event as a curl command. Browser-safe (no server imports):
// the event page builds the command as the user types the target URL.

/** Framing and hop-by-hop headers (the HTTP client sets its own), credentials (stored redacted anyway), and what proxies in front of Keyway added. */
const NOT_REPLAYED = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "te",
  "trailer",
  "upgrade",
  "expect",
  "accept-encoding",
  "authorization",
  "proxy-authorization",
  "proxy-connection",
  "cookie",
  "forwarded",
  "via",
  "x-real-ip",
]);

/** The sender's headers worth sending again, lower-cased, sorted: its content type and its signature headers among them. */
export function replayHeaders(headers: Record<string, string>): [string, string][] {
  return Object.entries(headers)
    .map(([name, value]): [string, string] => [name.toLowerCase(), value])
    .filter(([name, value]) => !NOT_REPLAYED.has(name) && !name.startsWith("x-forwarded-") && !name.startsWith("keyway-") && !name.startsWith("x-keyway-") && value !== "[redacted]")
    .sort(([a], [b]) => a.localeCompare(b));
}

/** POSIX shell single quotes: everything literal, a quote itself closed, escaped and reopened. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export type RawBody = { encoding: "utf8" | "base64"; data: string };

/**
 * The event as a curl command that sends the same bytes with the same
 * headers. A text body goes in quotes; any other (binary, or with control
 * characters a terminal would mangle) through base64, decoded on the way.
 */
export function curlCommand(url: string, headers: Record<string, string>, body: RawBody | null): string {
  const lines = [`curl -X POST ${shellQuote(url)}`];
  for (const [name, value] of replayHeaders(headers)) lines.push(`  -H ${shellQuote(`${name}: ${value}`)}`);
  if (!body || body.data === "") return lines.join(" \\\n");
  if (body.encoding === "utf8") {
    lines.push(`  --data-binary ${shellQuote(body.data)}`);
    return lines.join(" \\\n");
  }
  lines.push("  --data-binary @-");
  return `printf %s ${shellQuote(body.data)} | base64 -d | ${lines.join(" \\\n")}`;
}

/** How a stored body goes into a curl command: as text when it is printable UTF-8, base64 otherwise. */
export function rawBodyOf(bytes: Uint8Array): RawBody {
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    if (!/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/.test(text)) return { encoding: "utf8", data: text };
  } catch {
    // Not UTF-8: base64 below.
  }
  return { encoding: "base64", data: Buffer.from(bytes).toString("base64") };
}
