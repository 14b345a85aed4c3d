import ipaddr from "ipaddr.js";

// Outbound safety (SPEC.md): requests Keyway sends for users must not reach
// the machine itself, the private network around it, or a cloud metadata
// service, unless the instance's configuration allows a range. Decided on the
// resolved address, never on the host name as typed.

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Cloud metadata endpoints: refused even inside an allowed range, since they hand out the host's own credentials. */
const METADATA = new Set(
  [
    "169.254.169.254", // AWS, GCP, Azure, OpenStack, DigitalOcean…
    "169.254.170.2", // AWS ECS task credentials
    "100.100.100.200", // Alibaba Cloud
    "fd00:ec2::254", // AWS over IPv6
  ].map((a) => ipaddr.parse(a).toNormalizedString()),
);

export type AllowList = ReadonlyArray<readonly [Address, number]>;

function invalidEntry(entry: string, why: string): Error {
  return new Error(`KEYWAY_OUTBOUND_ALLOW: "${entry}" is not an address range such as 10.0.0.0/8 or ::1/128 (${why}).`);
}

function parseStrictAddress(entry: string, text: string): Address {
  // ipaddr.parse, like inet_aton, reads "127.1" or "0x7f.0.0.1"; in configuration those are typos, not intent.
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (ipaddr.IPv6.isValid(text)) return ipaddr.IPv6.parse(text);
  throw invalidEntry(entry, `"${text}" is not an IPv4 address in dotted decimal or an IPv6 address`);
}

function parseAllowEntry(entry: string): readonly [Address, number] {
  const [text = "", bitsText, ...rest] = entry.split("/");
  if (rest.length > 0) throw invalidEntry(entry, "more than one /");
  const address = parseStrictAddress(entry, text);
  const maxBits = address.kind() === "ipv4" ? 32 : 128;
  let bits = maxBits;
  if (bitsText !== undefined) {
    if (!/^\d{1,3}$/.test(bitsText) || Number(bitsText) > maxBits) throw invalidEntry(entry, `the prefix length must be 0 to ${maxBits}`);
    bits = Number(bitsText);
  }
  const network = address.kind() === "ipv4" ? ipaddr.IPv4.networkAddressFromCIDR(`${text}/${bits}`) : ipaddr.IPv6.networkAddressFromCIDR(`${text}/${bits}`);
  // A range written with host bits set ("10.1.2.3/8") usually means the author expected a narrower range than they get.
  if (network.toNormalizedString() !== address.toNormalizedString()) throw invalidEntry(entry, `host bits are set; the range is ${network.toString()}/${bits}`);
  // Checks look at the IPv4 address an IPv4-mapped one carries, so a mapped range must be compared as IPv4 too.
  if (address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
    return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96] as const;
  }
  return [address, bits] as const;
}

/**
 * Parses KEYWAY_OUTBOUND_ALLOW: comma-separated CIDR ranges (a bare address is
 * a /32 or /128). Throws on the first malformed entry, naming it, so that a
 * typo cannot silently leave a range blocked (or open).
 */
export function parseAllowList(spec: string): AllowList {
  return spec
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map(parseAllowEntry);
}

const NAT64_WELL_KNOWN = ipaddr.parseCIDR("64:ff9b::/96");
const IPV4_COMPATIBLE = ipaddr.parseCIDR("::/96");

/** The IPv4 address an IPv6 one carries (mapped, translated, compatible, NAT64, 6to4): what a packet to it would reach. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  if (address.isIPv4MappedAddress()) return address.toIPv4Address();
  const bytes = address.toByteArray();
  const range = address.range();
  // :: and ::1 are inside ::/96 but mean themselves (unspecified, loopback), not 0.0.0.0 and 0.0.0.1.
  if (range === "unspecified" || range === "loopback") return undefined;
  if (range === "rfc6145" || address.match(NAT64_WELL_KNOWN) || address.match(IPV4_COMPATIBLE)) return new ipaddr.IPv4(bytes.slice(12, 16));
  if (range === "6to4") return new ipaddr.IPv4(bytes.slice(2, 6));
  return undefined;
}

function inAllowList(address: Address, allow: AllowList): boolean {
  return allow.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
}

export type Verdict =
  | { allowed: true }
  | {
      allowed: false;
      /** Names the address and its range, e.g. "127.0.0.1 is a loopback address". */
      reason: string;
      /** The address as given, with the IPv4 address it carries if any: "::ffff:7f00:1 (IPv4 127.0.0.1)". */
      shown: string;
      /** The range alone: "a loopback address". */
      category: string;
      /** The address that was judged: the embedded IPv4 one for a mapped or NAT64 address. */
      address: string;
      /** Cloud metadata addresses stay blocked whatever KEYWAY_OUTBOUND_ALLOW says. */
      metadata: boolean;
    };

/** Whether Keyway may open a connection to this IP address. */
export function checkAddress(ip: string, allow: AllowList): Verdict {
  if (!ipaddr.isValid(ip)) return { allowed: false, reason: `"${ip}" is not an IP address`, shown: `"${ip}"`, category: "not an IP address", address: ip, metadata: false };
  const parsed = ipaddr.parse(ip);
  const address = parsed.kind() === "ipv6" ? (embeddedIPv4(parsed as ipaddr.IPv6) ?? parsed) : parsed;
  const shown = address === parsed ? ip : `${ip} (IPv4 ${address.toString()})`;
  const refuse = (category: string, metadata: boolean): Verdict => ({ allowed: false, reason: `${shown} is ${category}`, shown, category, address: address.toString(), metadata });
  if (METADATA.has(address.toNormalizedString())) return refuse("a cloud metadata address", true);
  if (inAllowList(address, allow)) return { allowed: true };
  const range = address.range();
  // ipaddr.js calls ordinary public addresses "unicast"; every other range is special-purpose.
  if (range === "unicast") return { allowed: true };
  return refuse(`${describeRange(range)} address`, false);
}

function describeRange(range: string): string {
  const names: Record<string, string> = {
    loopback: "a loopback",
    private: "a private-network",
    uniqueLocal: "a private-network (unique local)",
    linkLocal: "a link-local",
    carrierGradeNat: "a carrier-grade NAT",
    multicast: "a multicast",
    unspecified: "an unspecified",
    broadcast: "the broadcast",
    reserved: "a reserved",
  };
  return names[range] ?? `a special-purpose (${range})`;
}

/** Outbound safety's refusal in words, with what an administrator can do about it (shown in test results and under a form's Base URL). */
export function blockedMessage(hostname: string, verdict: Extract<Verdict, { allowed: false }>, viaDns: boolean): string {
  const what = viaDns ? `${hostname} resolves to ${verdict.shown}, which is ${verdict.category}` : verdict.reason;
  const remedy = verdict.metadata
    ? "Keyway never sends requests to cloud metadata services."
    : `If this API really lives there, an administrator can allow the range with KEYWAY_OUTBOUND_ALLOW (for example ${verdict.address}/${verdict.address.includes(":") ? 128 : 32}).`;
  return `Blocked by outbound safety: ${what}. ${remedy}`;
}

/** Names that resolve to the machine itself wherever Keyway runs (RFC 6761), so a form can tell before any lookup. */
const LOOPBACK_NAMES = /^(localhost|localhost\.localdomain|ip6-localhost|ip6-loopback)$|\.localhost$/i;

/**
 * What outbound safety would say about a base URL before any request: for an
 * IP address written in the URL, or a name that always means this machine,
 * the refusal a test request would get with these settings; null for
 * anything else (a host name is judged on what DNS answers, at request time).
 * Browser-safe: forms call it as the user types.
 */
export function refusalForUrl(raw: string, allow: AllowList): string | null {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  const host = url.hostname.replace(/^\[|\]$/g, "");
  if (LOOPBACK_NAMES.test(host)) {
    // The resolver answers both; one refused address is enough to refuse (lib/outbound/destination.ts).
    for (const address of ["127.0.0.1", "::1"]) {
      const verdict = checkAddress(address, allow);
      if (!verdict.allowed) return blockedMessage(host, verdict, true);
    }
    return null;
  }
  if (!ipaddr.isValid(host)) return null;
  const verdict = checkAddress(host, allow);
  return verdict.allowed ? null : blockedMessage(host, verdict, false);
}
