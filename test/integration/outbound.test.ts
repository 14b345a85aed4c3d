import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { parseAllowList } from "@/lib/outbound/address-policy";
import { sendRequest, type OutboundRequest } from "@/lib/outbound";
import { createCa, issue } from "../support/pki";
import { startHttpEcho, startHttpsEcho, type Upstream } from "../support/upstreams";

// The outbound client against real servers on loopback (allowed explicitly,
// as KEYWAY_OUTBOUND_ALLOW would): TLS verification, mutual TLS, redirects,
// limits, and failures explained in words.

const loopback = parseAllowList("127.0.0.1/32");
const DAY_MS = 24 * 60 * 60 * 1000;
const send = (request: Omit<OutboundRequest, "method"> & { method?: string }) => sendRequest({ method: "GET", allow: loopback, timeoutMs: 5000, ...request });

let http: Upstream;
let https: Upstream;
let wrongHost: Upstream;
let expired: Upstream;
let mtls: Upstream;
let silent: Server;
let caPem: string;
let client: { certPem: string; keyPem: string };
let strangerClient: { certPem: string; keyPem: string };

beforeAll(async () => {
  const ca = await createCa();
  caPem = ca.certPem;
  const server = await issue(ca, { subject: "CN=127.0.0.1", ips: ["127.0.0.1"], usage: "server" });
  const elsewhere = await issue(ca, { subject: "CN=api.example.test", hosts: ["api.example.test"], usage: "server" });
  const old = await issue(ca, { subject: "CN=127.0.0.1", ips: ["127.0.0.1"], usage: "server", notBefore: new Date(Date.now() - 30 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) });
  client = await issue(ca, { subject: "CN=keyway-client", usage: "client" });
  strangerClient = await issue(await createCa("CN=Someone Else"), { subject: "CN=stranger", usage: "client" });

  http = await startHttpEcho((request, response) => {
    const url = new URL(request.url ?? "/", "http://upstream");
    const [, kind, arg] = url.pathname.split("/");
    if (kind === "redirect") {
      response.writeHead(Number(arg), { location: url.searchParams.get("to") ?? "/" }).end();
      return true;
    }
    if (kind === "big") {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      response.end(Buffer.alloc(Number(arg), 120));
      return true;
    }
    if (kind === "slow") return true; // never answers
    return false;
  });
  https = await startHttpsEcho(server);
  wrongHost = await startHttpsEcho(elsewhere);
  expired = await startHttpsEcho(old);
  mtls = await startHttpsEcho({ ...server, clientCa: caPem });
  silent = createServer(() => undefined); // accepts TCP, never speaks TLS or HTTP
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
});

afterAll(async () => {
  await Promise.all([http, https, wrongHost, expired, mtls].map((u) => u?.close()));
  silent?.close();
});

describe("plain HTTP", () => {
  it("sends exactly the method, headers and body given", async () => {
    const response = await send({ url: `${http.url}/items?x=1`, method: "POST", headers: { "x-api-key": "k", "content-type": "application/json" }, body: '{"a":1}' });
    expect(response.status).toBe(200);
    const seen = JSON.parse(response.body.toString());
    expect(seen).toMatchObject({ method: "POST", url: "/items?x=1", body: '{"a":1}' });
    expect(seen.headers["x-api-key"]).toBe("k");
    expect(response.timings.totalMs).toBeGreaterThan(0);
  });

  it("is refused without an allow-list: loopback is blocked", async () => {
    await expect(sendRequest({ url: http.url, method: "GET", allow: parseAllowList("") })).rejects.toMatchObject({ kind: "blocked" });
  });

  it("follows redirects, re-checking each hop, and drops credentials on a cross-origin hop", async () => {
    const sameOrigin = await send({ url: `${http.url}/redirect/302?to=${encodeURIComponent("/final")}`, headers: { authorization: "Bearer t" } });
    expect(sameOrigin.redirects).toEqual([`${http.url}/final`]);
    expect(JSON.parse(sameOrigin.body.toString()).headers.authorization).toBe("Bearer t");

    const crossOrigin = http.url.replace("127.0.0.1", "localhost");
    const resolveLocalhost = async () => [{ address: "127.0.0.1", family: 4 }];
    const moved = await send({ url: `${http.url}/redirect/307?to=${encodeURIComponent(`${crossOrigin}/other`)}`, method: "POST", body: "b", headers: { authorization: "Bearer t", cookie: "c=1" }, resolve: resolveLocalhost });
    const seen = JSON.parse(moved.body.toString());
    expect(seen).toMatchObject({ method: "POST", url: "/other", body: "b" });
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers.cookie).toBeUndefined();

    await expect(send({ url: `${http.url}/redirect/302?to=${encodeURIComponent("http://10.0.0.1/")}` })).rejects.toMatchObject({ kind: "blocked" });
    await expect(send({ url: `${http.url}/redirect/302?to=${encodeURIComponent("http://169.254.169.254/latest")}` })).rejects.toMatchObject({ kind: "blocked" });
  });

  it("turns a POST into a GET on 303", async () => {
    const response = await send({ url: `${http.url}/redirect/303?to=${encodeURIComponent("/after")}`, method: "POST", body: "x", headers: { "content-type": "text/plain" } });
    expect(JSON.parse(response.body.toString())).toMatchObject({ method: "GET", url: "/after", body: "" });
  });

  it("stops at the size limit and the time-out", async () => {
    expect((await send({ url: `${http.url}/big/1000`, maxBytes: 1000 })).body.length).toBe(1000);
    await expect(send({ url: `${http.url}/big/5000`, maxBytes: 1000 })).rejects.toMatchObject({ kind: "too-large" });
    const started = Date.now();
    await expect(send({ url: `${http.url}/slow`, timeoutMs: 300 })).rejects.toMatchObject({ kind: "timeout", message: expect.stringMatching(/did not answer/) });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("explains refused connections and unknown hosts", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(send({ url: `http://127.0.0.1:${port}/` })).rejects.toMatchObject({ kind: "refused" });
    await expect(send({ url: "http://nonexistent.invalid/" })).rejects.toMatchObject({ kind: "dns", message: expect.stringMatching(/not found/) });
  });
});

describe("TLS", () => {
  it("verifies the server against the connection's CA bundle", async () => {
    await expect(send({ url: https.url })).rejects.toMatchObject({ kind: "tls", tlsReason: "unknown-ca" });
    expect((await send({ url: https.url, tls: { ca: caPem } })).status).toBe(200);
  });

  it("names a host name mismatch and an expired certificate", async () => {
    await expect(send({ url: wrongHost.url, tls: { ca: caPem } })).rejects.toMatchObject({ kind: "tls", tlsReason: "hostname-mismatch" });
    await expect(send({ url: expired.url, tls: { ca: caPem } })).rejects.toMatchObject({ kind: "tls", tlsReason: "expired" });
  });

  it("presents the client certificate to a server that requires one, and explains a refusal", async () => {
    const ok = await send({ url: mtls.url, tls: { ca: caPem, cert: client.certPem, key: client.keyPem } });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body.toString()).clientCertSubject).toBe("keyway-client");
    await expect(send({ url: mtls.url, tls: { ca: caPem } })).rejects.toMatchObject({ kind: "tls", tlsReason: "client-certificate-required" });
    await expect(send({ url: mtls.url, tls: { ca: caPem, cert: strangerClient.certPem, key: strangerClient.keyPem } })).rejects.toMatchObject({ kind: "tls", tlsReason: "client-certificate-rejected" });
  });

  it("times out a server that never completes the handshake", async () => {
    const port = (silent.address() as AddressInfo).port;
    await expect(send({ url: `https://127.0.0.1:${port}/`, timeoutMs: 300 })).rejects.toMatchObject({ kind: "timeout" });
  });
});
