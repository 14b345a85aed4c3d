import ipaddr from "ipaddr.js";

// Outbound safety (SPEC.md): requests Keyway sends for users must not reach
// the machine itself, the private network around it, or a cloud metadata
// service, unless the instance's configuration allows a range. Decided on the
// resolved address, never on the host name as typed.

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Cloud metadata endpoints: refused even inside an allowed range, since they hand out the host's own credentials. */
const METADATA = ["169.254.169.254", "169.254.170.2", "100.100.100.200", "fd00:ec2::254"].map((a) => ipaddr.parse(a).toNormalizedString());

export type AllowList = ReadonlyArray<[Address, number]>;

/** Parses KEYWAY_OUTBOUND_ALLOW: comma-separated CIDR ranges (a bare address is a /32 or /128). */
export function parseAllowList(spec: string): AllowList {
  return spec
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      try {
        if (part.includes("/")) return ipaddr.parseCIDR(part);
        const address = ipaddr.parse(part);
        return [address, address.kind() === "ipv4" ? 32 : 128] as [Address, number];
      } catch {
        throw new Error(`KEYWAY_OUTBOUND_ALLOW: "${part}" is not an address range such as 10.0.0.0/8 or ::1/128.`);
      }
    });
}

/** The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4), which is what a packet would reach. */
function embeddedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  if (address.isIPv4MappedAddress()) return address.toIPv4Address();
  const range = address.range();
  const bytes = address.toByteArray();
  if (range === "rfc6052" || range === "rfc6145") return new ipaddr.IPv4(bytes.slice(12, 16));
  if (range === "6to4") return new ipaddr.IPv4(bytes.slice(2, 6));
  return undefined;
}

function inAllowList(address: Address, allow: AllowList): boolean {
  return allow.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
}

export type Verdict = { allowed: true } | { allowed: false; reason: string };

/** Whether Keyway may open a connection to this IP address. */
export function checkAddress(ip: string, allow: AllowList): Verdict {
  if (!ipaddr.isValid(ip)) return { allowed: false, reason: `${ip} is not an IP address` };
  let address: Address = ipaddr.parse(ip);
  if (address.kind() === "ipv6") address = embeddedIPv4(address as ipaddr.IPv6) ?? address;
  if (METADATA.includes(address.toNormalizedString())) return { allowed: false, reason: `${ip} is a cloud metadata address` };
  if (inAllowList(address, allow)) return { allowed: true };
  const range = address.range();
  // ipaddr.js calls ordinary public addresses "unicast"; every other range is special-purpose.
  if (range === "unicast") return { allowed: true };
  return { allowed: false, reason: `${ip} is a ${describeRange(range)} address` };
}

function describeRange(range: string): string {
  const names: Record<string, string> = {
    loopback: "loopback",
    private: "private-network",
    uniqueLocal: "private-network (unique local)",
    linkLocal: "link-local",
    carrierGradeNat: "carrier-grade NAT",
    multicast: "multicast",
    unspecified: "unspecified",
    broadcast: "broadcast",
    reserved: "reserved",
  };
  return names[range] ?? `special-purpose (${range})`;
}
