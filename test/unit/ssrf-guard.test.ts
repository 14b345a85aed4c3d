import { describe, expect, it } from "vitest";
import { checkAddress, parseAllowList } from "@/lib/outbound/address-policy";
import { sendRequest } from "@/lib/outbound";

const none = parseAllowList("");

describe("the outbound address policy", () => {
  const blocked = [
    "127.0.0.1",
    "127.255.255.254",
    "::1",
    "0.0.0.0",
    "::",
    "10.0.0.1",
    "10.255.255.255",
    "172.16.0.1",
    "172.31.255.255",
    "192.168.1.1",
    "100.64.0.1",
    "100.127.255.255",
    "169.254.0.1",
    "169.254.169.254",
    "100.100.100.200",
    "fd00::1",
    "fd00:ec2::254",
    "fc00::1",
    "fe80::1",
    "224.0.0.1",
    "239.255.255.250",
    "ff02::1",
    "255.255.255.255",
    "240.0.0.1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "64:ff9b::7f00:1",
    "2002:7f00:1::1",
  ];
  it.each(blocked)("refuses %s", (ip) => {
    expect(checkAddress(ip, none).allowed).toBe(false);
  });

  const allowed = ["93.184.216.34", "8.8.8.8", "172.32.0.1", "172.15.255.255", "100.128.0.1", "2606:4700::1111", "2a00:1450:4001::200e", "::ffff:8.8.8.8"];
  it.each(allowed)("lets %s through", (ip) => {
    expect(checkAddress(ip, none)).toEqual({ allowed: true });
  });

  it("lets configured ranges through, but never a metadata address", () => {
    const allow = parseAllowList("127.0.0.0/8, ::1/128, 169.254.0.0/16, 10.1.2.3");
    expect(checkAddress("127.0.0.1", allow).allowed).toBe(true);
    expect(checkAddress("::ffff:127.0.0.1", allow).allowed).toBe(true);
    expect(checkAddress("::1", allow).allowed).toBe(true);
    expect(checkAddress("10.1.2.3", allow).allowed).toBe(true);
    expect(checkAddress("10.1.2.4", allow).allowed).toBe(false);
    expect(checkAddress("169.254.169.254", allow)).toEqual({ allowed: false, reason: "169.254.169.254 is a cloud metadata address" });
  });

  it("refuses a malformed allow-list with the entry that is wrong", () => {
    expect(() => parseAllowList("10.0.0.0/8, intranet")).toThrow(/"intranet" is not an address range/);
    expect(() => parseAllowList("10.0.0.0/33")).toThrow(/not an address range/);
  });
});

describe("the outbound client refuses before connecting", () => {
  // Nothing listens anywhere here: a refusal must come from the guard, not from a failed connection.
  const send = (url: string, resolve?: (host: string) => Promise<{ address: string; family: number }[]>) =>
    sendRequest({ url, method: "GET", allow: none, timeoutMs: 2000, maxBytes: 1024, resolve });

  it.each(["http://2130706433/", "http://0177.0.0.1/", "http://0x7f.1/", "http://127.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/", "http://169.254.169.254/latest/meta-data/", "https://10.0.0.1:8443/"])(
    "%s is blocked by outbound safety",
    async (url) => {
      await expect(send(url)).rejects.toMatchObject({ kind: "blocked", message: expect.stringMatching(/Blocked by outbound safety/) });
    },
  );

  it("checks what a host name resolves to: every address of it", async () => {
    await expect(send("http://internal.example.test/", async () => [{ address: "127.0.0.1", family: 4 }])).rejects.toMatchObject({ kind: "blocked" });
    await expect(send("http://mixed.example.test/", async () => [{ address: "93.184.216.34", family: 4 }, { address: "10.0.0.7", family: 4 }])).rejects.toMatchObject({ kind: "blocked" });
    await expect(send("http://localhost:9/")).rejects.toMatchObject({ kind: "blocked" });
  });

  it("refuses URLs that are not http(s) or carry credentials", async () => {
    await expect(send("file:///etc/passwd")).rejects.toMatchObject({ kind: "invalid-url" });
    await expect(send("http://user:pass@93.184.216.34/")).rejects.toMatchObject({ kind: "invalid-url" });
  });
});
