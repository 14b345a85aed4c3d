import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { createServer, type AddressInfo, type Server } from "node:net";
import type { LookupAddress } from "node:dns";
import { parseAllowList } from "@/lib/outbound/address-policy";
import { sendRequest, type OutboundRequest } from "@/lib/outbound";
import { createCa, issue, type Issued } from "../support/pki";
import { startHttpEcho, startHttpsEcho, type Received, type Upstream } from "../support/upstreams";

// The outbound client against real servers on loopback (allowed explicitly,
// as KEYWAY_OUTBOUND_ALLOW would): TLS verification, mutual TLS, redirects,
// limits, and failures explained in words.

const loopback = parseAllowList("127.0.0.1/32");
const DAY_MS = 24 * 60 * 60 * 1000;
const send = (request: Omit<OutboundRequest, "method"> & { method?: string }) => sendRequest({ method: "GET", allow: loopback, timeoutMs: 5000, ...request });
const seen = (body: Buffer) => JSON.parse(body.toString()) as Received;
const at = (path: string, to: string) => `${http.url}${path}?to=${encodeURIComponent(to)}`;
const resolvingTo =
  (...addresses: string[]) =>
  async (): Promise<LookupAddress[]> =>
    addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));

let http: Upstream;
let https: Upstream;
let wrongHost: Upstream;
let expired: Upstream;
let mtls: Upstream;
let mtlsOverTls12: HttpsServer;
let silent: Server;
/** Requests to /hang that arrived, and those whose connection went away before an answer. */
const hung = { arrived: 0, closed: 0 };
let ca: Issued;
let client: Issued;
let strangerClient: Issued;
const portOf = (server: Server | HttpsServer) => (server.address() as AddressInfo).port;

beforeAll(async () => {
  ca = await createCa();
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
    if (kind === "loop") {
      response.writeHead(302, { location: `/loop/${Number(arg) + 1}` }).end();
      return true;
    }
    if (kind === "big") {
      response.writeHead(200, { "content-type": "application/octet-stream" });
      response.end(Buffer.alloc(Number(arg), 120));
      return true;
    }
    if (kind === "stream") {
      // No Content-Length: the limit has to be enforced while reading.
      response.writeHead(200, { "content-type": "application/octet-stream" });
      for (let sent = 0; sent < Number(arg); sent += 500) response.write(Buffer.alloc(Math.min(500, Number(arg) - sent), 121));
      response.end();
      return true;
    }
    if (kind === "trickle") {
      // Answers at once, then never finishes the body.
      response.writeHead(200, { "content-type": "text/plain" });
      const timer = setInterval(() => response.write("."), 50);
      response.on("close", () => clearInterval(timer));
      return true;
    }
    if (kind === "slow") return true; // never answers
    if (kind === "hang") {
      hung.arrived += 1;
      response.on("close", () => (hung.closed += 1));
      return true;
    }
    return false;
  });
  https = await startHttpsEcho(server);
  wrongHost = await startHttpsEcho(elsewhere);
  expired = await startHttpsEcho(old);
  mtls = await startHttpsEcho({ ...server, clientCa: ca.certPem });
  // TLS 1.2 has no "certificate required" alert; a server that wanted one answers "handshake failure".
  mtlsOverTls12 = createHttpsServer({ cert: server.certPem, key: server.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true, maxVersion: "TLSv1.2" }, (_request, response) => response.end("ok"));
  await new Promise<void>((resolve) => mtlsOverTls12.listen(0, "127.0.0.1", resolve));
  silent = createServer(() => undefined); // accepts TCP, never speaks TLS or HTTP
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
});

afterAll(async () => {
  await Promise.all([http, https, wrongHost, expired, mtls].map((u) => u?.close()));
  mtlsOverTls12?.closeAllConnections();
  mtlsOverTls12?.close();
  silent?.close();
});

describe("plain HTTP", () => {
  it("sends exactly the method, path, query, headers and body given", async () => {
    const response = await send({ url: `${http.url}/items?x=1&y=two`, method: "post", headers: { "x-api-key": "k", "content-type": "application/json" }, body: '{"a":1}' });
    expect(response.status).toBe(200);
    expect(response.headers["content-type"]).toBe("application/json");
    const received = seen(response.body);
    expect(received).toMatchObject({ method: "POST", url: "/items?x=1&y=two", body: '{"a":1}' });
    expect(received.headers["x-api-key"]).toBe("k");
    expect(received.headers["content-type"]).toBe("application/json");
    expect(response.timings.totalMs).toBeGreaterThan(0);
    expect(response).toMatchObject({ redirects: [], finalUrl: `${http.url}/items?x=1&y=two` });
  });

  it("is refused without an allow-list, since loopback is blocked, and before anything is sent", async () => {
    const before = http.received.length;
    await expect(sendRequest({ url: `${http.url}/never`, method: "GET", allow: parseAllowList("") })).rejects.toMatchObject({
      kind: "blocked",
      message: expect.stringContaining("127.0.0.1 is a loopback address"),
    });
    expect(http.received.length).toBe(before);
  });

  it("is let through by an allow-list of all of 127.0.0.0/8", async () => {
    expect((await sendRequest({ url: http.url, method: "GET", allow: parseAllowList("127.0.0.0/8,::1/128") })).status).toBe(200);
  });

  it("connects to the address it checked, without resolving the name a second time", async () => {
    // A rebinding DNS server answers a safe address first, then an internal one.
    const answers = ["127.0.0.1", "169.254.169.254"];
    let asked = 0;
    const rebinding = async (): Promise<LookupAddress[]> => [{ address: answers[Math.min(asked++, 1)]!, family: 4 }];
    const port = new URL(http.url).port;
    const response = await send({ url: `http://rebind.example.test:${port}/here`, resolve: rebinding });
    expect(asked).toBe(1);
    expect(seen(response.body)).toMatchObject({ url: "/here", headers: { host: `rebind.example.test:${port}` } });
  });

  it("follows a same-origin redirect with the credentials", async () => {
    const response = await send({ url: at("/redirect/302", "/final"), headers: { authorization: "Bearer t", cookie: "c=1" } });
    expect(response.redirects).toEqual([`${http.url}/final`]);
    expect(response.finalUrl).toBe(`${http.url}/final`);
    expect(seen(response.body).headers).toMatchObject({ authorization: "Bearer t", cookie: "c=1" });
  });

  it("drops credentials on a cross-origin redirect but keeps method and body on 307", async () => {
    const otherOrigin = http.url.replace("127.0.0.1", "other.example.test");
    const moved = await send({
      url: at("/redirect/307", `${otherOrigin}/other`),
      method: "POST",
      body: "b",
      headers: { authorization: "Bearer t", cookie: "c=1", "proxy-authorization": "Basic x", "x-trace": "kept" },
      resolve: resolvingTo("127.0.0.1"),
    });
    const received = seen(moved.body);
    expect(received).toMatchObject({ method: "POST", url: "/other", body: "b" });
    expect(received.headers.host).toBe(new URL(otherOrigin).host);
    expect(received.headers["x-trace"]).toBe("kept");
    expect(received.headers.authorization).toBeUndefined();
    expect(received.headers.cookie).toBeUndefined();
    expect(received.headers["proxy-authorization"]).toBeUndefined();
    expect(moved.redirects).toEqual([`${otherOrigin}/other`]);
  });

  it("re-checks every hop: a redirect to a blocked address is refused", async () => {
    for (const target of ["http://10.0.0.1/", "http://169.254.169.254/latest", `http://[::1]:${new URL(http.url).port}/`, "http://internal.example.test/"]) {
      const before = http.received.length;
      const refusal = send({ url: at("/redirect/302", `${target}?token=s3cret`), headers: { authorization: "Bearer s3cret" }, resolve: resolvingTo("192.168.0.10") });
      await expect(refusal).rejects.toMatchObject({ kind: "blocked" });
      // Neither the header value nor the query of the URL (which may carry an API key) is put in the message.
      await expect(refusal).rejects.toMatchObject({ message: expect.not.stringContaining("s3cret") });
      expect(http.received.length).toBe(before + 1);
    }
  });

  it("turns a POST into a GET without body on 303, and on 301/302 as browsers do", async () => {
    for (const status of [303, 302, 301]) {
      const response = await send({ url: at(`/redirect/${status}`, "/after"), method: "POST", body: "x", headers: { "content-type": "text/plain", "x-trace": "kept" } });
      const received = seen(response.body);
      expect(received).toMatchObject({ method: "GET", url: "/after", body: "" });
      expect(received.headers["content-type"]).toBeUndefined();
      expect(received.headers["x-trace"]).toBe("kept");
    }
    // 302 only rewrites POST; 303 rewrites everything but GET and HEAD; 308 never.
    expect(seen((await send({ url: at("/redirect/302", "/after"), method: "PUT", body: "x" })).body)).toMatchObject({ method: "PUT", body: "x" });
    expect(seen((await send({ url: at("/redirect/303", "/after"), method: "DELETE" })).body)).toMatchObject({ method: "GET" });
    expect(seen((await send({ url: at("/redirect/308", "/after"), method: "POST", body: "x" })).body)).toMatchObject({ method: "POST", body: "x" });
  });

  it("stops after too many redirects", async () => {
    const followed = await send({ url: `${http.url}/loop/0`, maxRedirects: 3 }).catch((error: unknown) => error);
    expect(followed).toMatchObject({ kind: "too-many-redirects", message: expect.stringMatching(/^Stopped after 3 redirects/) });
    await expect(send({ url: `${http.url}/loop/0` })).rejects.toMatchObject({ kind: "too-many-redirects", message: expect.stringMatching(/^Stopped after 5 redirects/) });
    const within = await send({ url: at("/redirect/302", at("/redirect/302", "/end")), maxRedirects: 2 });
    expect(within.redirects).toEqual([at("/redirect/302", "/end"), `${http.url}/end`]);
  });

  it("refuses a redirect to another scheme", async () => {
    await expect(send({ url: at("/redirect/302", "file:///etc/passwd") })).rejects.toMatchObject({ kind: "invalid-url", message: expect.stringContaining("redirected") });
  });

  it("reads a response up to the size limit and no further", async () => {
    expect((await send({ url: `${http.url}/big/1000`, maxBytes: 1000 })).body.length).toBe(1000);
    expect((await send({ url: `${http.url}/stream/1000`, maxBytes: 1000 })).body).toEqual(Buffer.alloc(1000, 121));
    await expect(send({ url: `${http.url}/big/5000`, maxBytes: 1000 })).rejects.toMatchObject({ kind: "too-large", message: expect.stringMatching(/^Response too large: .* more than 1000 bytes/) });
    await expect(send({ url: `${http.url}/stream/5000`, maxBytes: 1000 })).rejects.toMatchObject({ kind: "too-large" });
  });

  it("times out the whole exchange: a server that never answers, and a body that never ends", async () => {
    let started = Date.now();
    await expect(send({ url: `${http.url}/slow`, timeoutMs: 300 })).rejects.toMatchObject({ kind: "timeout", message: expect.stringContaining("did not answer within 300 ms") });
    expect(Date.now() - started).toBeLessThan(3000);
    started = Date.now();
    await expect(send({ url: at("/redirect/302", "/trickle"), timeoutMs: 400 })).rejects.toMatchObject({ kind: "timeout" });
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it("cancels on the caller's signal: fails as cancelled at once, and the API sees the request go away", async () => {
    const controller = new AbortController();
    const started = Date.now();
    const sending = send({ url: `${http.url}/hang`, timeoutMs: 30_000, signal: controller.signal });
    await expect.poll(() => hung.arrived, { timeout: 10_000 }).toBe(1);
    controller.abort();
    await expect(sending).rejects.toMatchObject({ kind: "cancelled", message: expect.stringMatching(/^Cancelled after .*, before the API had answered\.$/) });
    expect(Date.now() - started).toBeLessThan(10_000);
    await expect.poll(() => hung.closed, { timeout: 10_000 }).toBe(1);
  });

  it("explains refused connections and unknown hosts", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = portOf(closed);
    await new Promise((resolve) => closed.close(resolve));
    await expect(send({ url: `http://127.0.0.1:${port}/` })).rejects.toMatchObject({ kind: "refused", message: `The connection to 127.0.0.1:${port} was refused: nothing is listening on that port.` });
    await expect(send({ url: "http://nonexistent.invalid/" })).rejects.toMatchObject({ kind: "dns", message: "The host nonexistent.invalid was not found (DNS)." });
  });
});

describe("TLS", () => {
  it("verifies the server against the connection's CA bundle", async () => {
    await expect(send({ url: https.url })).rejects.toMatchObject({ kind: "tls", tlsReason: "unknown-ca", message: expect.stringContaining("not signed by a certificate authority Keyway trusts") });
    const response = await send({ url: `${https.url}/secure?q=1`, tls: { ca: ca.certPem } });
    expect(response.status).toBe(200);
    expect(seen(response.body)).toMatchObject({ method: "GET", url: "/secure?q=1" });
  });

  it("names a host name mismatch and an expired certificate", async () => {
    await expect(send({ url: wrongHost.url, tls: { ca: ca.certPem } })).rejects.toMatchObject({ kind: "tls", tlsReason: "hostname-mismatch" });
    await expect(send({ url: expired.url, tls: { ca: ca.certPem } })).rejects.toMatchObject({ kind: "tls", tlsReason: "expired", message: expect.stringContaining("expired") });
  });

  it("says when a URL is https:// but the server speaks plain HTTP", async () => {
    await expect(send({ url: http.url.replace("http:", "https:") })).rejects.toMatchObject({ kind: "tls", tlsReason: "not-tls" });
  });

  it("presents the client certificate to a server that requires one", async () => {
    const ok = await send({ url: mtls.url, tls: { ca: ca.certPem, cert: client.certPem, key: client.keyPem } });
    expect(ok.status).toBe(200);
    expect(seen(ok.body).clientCertSubject).toBe("keyway-client");
  });

  it("explains a missing client certificate (TLS 1.3 and 1.2) and one the server does not accept", async () => {
    await expect(send({ url: mtls.url, tls: { ca: ca.certPem } })).rejects.toMatchObject({ kind: "tls", tlsReason: "client-certificate-required" });
    await expect(send({ url: `https://127.0.0.1:${portOf(mtlsOverTls12)}/`, tls: { ca: ca.certPem } })).rejects.toMatchObject({ kind: "tls", tlsReason: "client-certificate-required" });
    for (const url of [mtls.url, `https://127.0.0.1:${portOf(mtlsOverTls12)}/`]) {
      await expect(send({ url, tls: { ca: ca.certPem, cert: strangerClient.certPem, key: strangerClient.keyPem } })).rejects.toMatchObject({ kind: "tls", tlsReason: "client-certificate-rejected" });
    }
  });

  it("times out a server that never completes the handshake", async () => {
    await expect(send({ url: `https://127.0.0.1:${portOf(silent)}/`, timeoutMs: 300 })).rejects.toMatchObject({ kind: "timeout" });
  });
});
