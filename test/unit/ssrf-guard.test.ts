import type { LookupAddress } from "node:dns";
import { describe, expect, it } from "vitest";
import { checkAddress, parseAllowList } from "@/lib/outbound/address-policy";
import { guardedLookup } from "@/lib/outbound/destination";
import { sendRequest } from "@/lib/outbound";

const none = parseAllowList("");

describe("the outbound address policy", () => {
  const blocked: [string, RegExp][] = [
    ["127.0.0.1", /loopback/],
    ["127.255.255.254", /loopback/],
    ["::1", /loopback/],
    ["0.0.0.0", /unspecified/],
    ["0.1.2.3", /unspecified/],
    ["::", /unspecified/],
    ["10.0.0.1", /private-network/],
    ["10.255.255.255", /private-network/],
    ["172.16.0.1", /private-network/],
    ["172.31.255.255", /private-network/],
    ["192.168.1.1", /private-network/],
    ["100.64.0.1", /carrier-grade NAT/],
    ["100.127.255.255", /carrier-grade NAT/],
    ["169.254.0.1", /link-local/],
    ["169.254.169.254", /cloud metadata/],
    ["169.254.170.2", /cloud metadata/],
    ["100.100.100.200", /cloud metadata/],
    ["fd00:ec2::254", /cloud metadata/],
    ["fd00::1", /unique local/],
    ["fc00::1", /unique local/],
    ["fe80::1", /link-local/],
    ["224.0.0.1", /multicast/],
    ["239.255.255.250", /multicast/],
    ["ff02::1", /multicast/],
    ["255.255.255.255", /broadcast/],
    ["240.0.0.1", /reserved/],
    ["192.0.2.1", /reserved/],
    ["198.18.0.1", /reserved/],
    // IPv6 spellings of IPv4 addresses are judged by the IPv4 address they carry.
    ["::ffff:127.0.0.1", /\(IPv4 127\.0\.0\.1\) is a loopback/],
    ["::ffff:7f00:1", /\(IPv4 127\.0\.0\.1\) is a loopback/],
    ["::ffff:10.0.0.1", /private-network/],
    ["::ffff:169.254.169.254", /cloud metadata/],
    ["::ffff:0:a00:1", /\(IPv4 10\.0\.0\.1\)/],
    ["::7f00:1", /\(IPv4 127\.0\.0\.1\) is a loopback/],
    ["::a9fe:a9fe", /cloud metadata/],
    ["64:ff9b::7f00:1", /\(IPv4 127\.0\.0\.1\) is a loopback/],
    ["64:ff9b::a00:1", /private-network/],
    ["64:ff9b:1::a00:1", /rfc6052/],
    ["2002:7f00:1::1", /\(IPv4 127\.0\.0\.1\) is a loopback/],
    ["2002:c0a8:101::1", /\(IPv4 192\.168\.1\.1\) is a private-network/],
    ["2001::1", /teredo/],
    ["not-an-ip", /not an IP address/],
  ];
  it.each(blocked)("refuses %s", (ip, reason) => {
    const verdict = checkAddress(ip, none);
    expect(verdict.allowed).toBe(false);
    if (!verdict.allowed) expect(verdict.reason).toMatch(reason);
  });

  const allowed = ["93.184.216.34", "8.8.8.8", "172.32.0.1", "172.15.255.255", "100.128.0.1", "100.63.255.255", "2606:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"];
  it.each(allowed)("lets %s through", (ip) => {
    expect(checkAddress(ip, none)).toEqual({ allowed: true });
  });

  it("lets configured ranges through, but never a metadata address", () => {
    const allow = parseAllowList("127.0.0.0/8, ::1/128, 169.254.0.0/16, 10.1.2.3,::ffff:192.168.0.0/112");
    expect(checkAddress("127.0.0.1", allow).allowed).toBe(true);
    expect(checkAddress("127.8.9.10", allow).allowed).toBe(true);
    expect(checkAddress("::ffff:127.0.0.1", allow).allowed).toBe(true);
    expect(checkAddress("::1", allow).allowed).toBe(true);
    expect(checkAddress("10.1.2.3", allow).allowed).toBe(true);
    expect(checkAddress("10.1.2.4", allow).allowed).toBe(false);
    expect(checkAddress("169.254.1.1", allow).allowed).toBe(true);
    // A mapped range in the allow-list means the IPv4 range it carries.
    expect(checkAddress("192.168.7.7", allow).allowed).toBe(true);
    expect(checkAddress("192.169.0.1", allow).allowed).toBe(true); // public anyway
    expect(checkAddress("192.168.0.0", parseAllowList("::ffff:192.168.0.0/120")).allowed).toBe(true);
    expect(checkAddress("192.168.1.0", parseAllowList("::ffff:192.168.0.0/120")).allowed).toBe(false);
    expect(checkAddress("169.254.169.254", allow)).toMatchObject({ allowed: false, reason: "169.254.169.254 is a cloud metadata address", address: "169.254.169.254", metadata: true });
    expect(checkAddress("::ffff:169.254.169.254", allow).allowed).toBe(false);
  });

  it("reads an empty allow-list as no exceptions", () => {
    expect(parseAllowList("")).toEqual([]);
    expect(parseAllowList(" , ,")).toEqual([]);
  });

  it.each([
    ["10.0.0.0/8, intranet", /"intranet" is not an address range/],
    ["10.0.0.0/33", /"10\.0\.0\.0\/33".*prefix length must be 0 to 32/],
    ["::1/129", /prefix length must be 0 to 128/],
    ["10.0.0.0/8/9", /more than one \//],
    ["10.0.0.0/", /prefix length/],
    ["10.0.0.0/abc", /prefix length/],
    ["127.1/8", /"127\.1" is not an IPv4 address in dotted decimal/],
    ["0x7f.0.0.1", /dotted decimal/],
    ["10.0.0.1/8", /host bits are set; the range is 10\.0\.0\.0\/8/],
  ])("refuses the malformed allow-list %j, naming the entry", (spec, message) => {
    expect(() => parseAllowList(spec)).toThrow(/^KEYWAY_OUTBOUND_ALLOW: /);
    expect(() => parseAllowList(spec)).toThrow(message);
  });
});

describe("the guarded lookup", () => {
  const lookupWith = (answer: LookupAddress[], allow = none) => {
    const asked: string[] = [];
    const lookup = guardedLookup(allow, async (hostname) => {
      asked.push(hostname);
      return answer;
    });
    const run = (all: boolean) =>
      new Promise<{ error: NodeJS.ErrnoException | null; address: string | LookupAddress[] }>((resolve) => lookup("api.example.test", { all }, (error, address) => resolve({ error, address })));
    return { asked, run };
  };

  it("hands back the addresses it checked, asking the resolver once per connection", async () => {
    const { asked, run } = lookupWith([
      { address: "93.184.216.34", family: 4 },
      { address: "2606:4700::1111", family: 6 },
    ]);
    expect(await run(true)).toEqual({
      error: null,
      address: [
        { address: "93.184.216.34", family: 4 },
        { address: "2606:4700::1111", family: 6 },
      ],
    });
    expect(await run(false)).toEqual({ error: null, address: "93.184.216.34" });
    expect(asked).toEqual(["api.example.test", "api.example.test"]);
  });

  it("refuses a name when any one of its addresses is blocked", async () => {
    const { run } = lookupWith([
      { address: "93.184.216.34", family: 4 },
      { address: "10.0.0.7", family: 4 },
    ]);
    const { error } = await run(true);
    expect(error).toMatchObject({ kind: "blocked" });
    expect(error?.message).toBe(
      "Blocked by outbound safety: api.example.test resolves to 10.0.0.7, which is a private-network address. If this API really lives there, an administrator can allow the range with KEYWAY_OUTBOUND_ALLOW (for example 10.0.0.7/32).",
    );
  });

  it("reports a name with no address as not found", async () => {
    const { error } = await lookupWith([]).run(true);
    expect(error?.code).toBe("ENOTFOUND");
  });
});

describe("the outbound client refuses before connecting", () => {
  // Nothing listens anywhere here: a refusal must come from the guard, not from a failed connection.
  const send = (url: string, resolve?: (host: string) => Promise<LookupAddress[]>) => sendRequest({ url, method: "GET", allow: none, timeoutMs: 2000, maxBytes: 1024, resolve });

  it.each([
    ["http://2130706433/", "127.0.0.1"],
    ["http://0177.0.0.1/", "127.0.0.1"],
    ["http://0x7f.1/", "127.0.0.1"],
    ["http://0x7f000001/", "127.0.0.1"],
    ["http://0x7F.0x00.0x00.0x01:8080/", "127.0.0.1"],
    ["http://127.1/", "127.0.0.1"],
    ["http://017700000001/", "127.0.0.1"],
    ["http://0/", "0.0.0.0"],
    ["http://167772161/", "10.0.0.1"],
    ["http://[::1]/", "::1"],
    ["http://[::ffff:127.0.0.1]/", "127.0.0.1"],
    ["http://[::ffff:7f00:1]/", "127.0.0.1"],
    ["http://169.254.169.254/latest/meta-data/", "169.254.169.254"],
    ["http://[fd00:ec2::254]/", "fd00:ec2::254"],
    ["https://10.0.0.1:8443/", "10.0.0.1"],
    ["https://172.16.5.4/", "172.16.5.4"],
    ["http://192.168.0.1./", "192.168.0.1"],
  ])("%s is blocked by outbound safety as %s", async (url, address) => {
    const refusal = send(url);
    await expect(refusal).rejects.toMatchObject({ kind: "blocked", message: expect.stringMatching(/^Blocked by outbound safety: /) });
    await expect(refusal).rejects.toMatchObject({ message: expect.stringContaining(address) });
  });

  it("names KEYWAY_OUTBOUND_ALLOW as the way out, except for metadata addresses", async () => {
    await expect(send("http://10.0.0.1/")).rejects.toMatchObject({ message: expect.stringContaining("KEYWAY_OUTBOUND_ALLOW (for example 10.0.0.1/32)") });
    const metadata = send("http://169.254.169.254/");
    await expect(metadata).rejects.toMatchObject({ message: expect.stringContaining("never sends requests to cloud metadata") });
    await expect(metadata).rejects.toMatchObject({ message: expect.not.stringContaining("KEYWAY_OUTBOUND_ALLOW") });
  });

  it("checks what a host name resolves to: every address of it", async () => {
    await expect(send("http://internal.example.test/", async () => [{ address: "127.0.0.1", family: 4 }])).rejects.toMatchObject({
      kind: "blocked",
      message: expect.stringContaining("internal.example.test resolves to 127.0.0.1, which is a loopback address"),
    });
    await expect(
      send("http://mixed.example.test/", async () => [
        { address: "93.184.216.34", family: 4 },
        { address: "10.0.0.7", family: 4 },
      ]),
    ).rejects.toMatchObject({ kind: "blocked", message: expect.stringContaining("10.0.0.7") });
    // The system resolver: localhost is loopback however it is spelled.
    await expect(send("http://localhost:9/")).rejects.toMatchObject({ kind: "blocked" });
  });

  it("refuses URLs that are not http(s) or carry credentials", async () => {
    await expect(send("file:///etc/passwd")).rejects.toMatchObject({ kind: "invalid-url", message: expect.stringContaining("file:") });
    await expect(send("ftp://93.184.216.34/")).rejects.toMatchObject({ kind: "invalid-url" });
    await expect(send("not a url")).rejects.toMatchObject({ kind: "invalid-url", message: "The URL is not valid." });
    const withCredentials = send("http://user:s3cret@93.184.216.34/");
    await expect(withCredentials).rejects.toMatchObject({ kind: "invalid-url", message: expect.stringContaining("user:pass@host") });
    await expect(withCredentials).rejects.toMatchObject({ message: expect.not.stringContaining("s3cret") });
    await expect(send("http://token@93.184.216.34/")).rejects.toMatchObject({ kind: "invalid-url" });
  });
});
