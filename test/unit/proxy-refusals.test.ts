import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proxyRequest } from "@/lib/proxy";
import { refuseConnect, serveProxyRequest } from "@/lib/proxy/node";

// Issue 14, items 6 and 7, through the proxy's Node face on a real socket
// (as server.ts wires it) and its function: refused before any key,
// connection or database is looked at. (test/integration/proxy.test.ts sends
// the same with a real key, connection and upstream.)

const TRICKS = ["/..%2fsecret", "/%2e%2e%2fsecret", "/..%5Csecret", "/..\\secret", "/..;/secret", "/%2e%2e;x/secret", "/a/%00/secret", "/.%2e/secret", "/../secret", "/./x"];
let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer((request, response) => void serveProxyRequest(request, response));
  server.on("connect", (_request, socket) => refuseConnect(socket));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function raw(method: string, target: string): Promise<{ status: number; code: string | undefined; allow: string | undefined }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer kw_test\r\nConnection: close\r\n\r\n`));
    let text = "";
    socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
    socket.on("end", () => {
      const header = (name: string) => new RegExp(`^${name}: (.*)$`, "im").exec(text)?.[1]?.trim();
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), code: header("x-keyway-error"), allow: header("allow") });
    });
    socket.on("error", reject);
  });
}

describe("the proxy refuses", () => {
  it("paths that could climb out of the base path: 400 invalid_path", async () => {
    for (const trick of TRICKS) expect(await raw("GET", `/api/proxy/c_1${trick}`), trick).toMatchObject({ status: 400, code: "invalid_path" });
  });

  it("TRACE, TRACK and CONNECT: 405 with Allow", async () => {
    expect(await raw("TRACE", "/api/proxy/c_1/x")).toEqual({ status: 405, code: "method_not_allowed", allow: "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS" });
    expect(await raw("CONNECT", "127.0.0.1:443")).toMatchObject({ status: 405, code: "method_not_allowed" });
    // Node's HTTP parser does not know TRACK and answers 400 itself; a server that did would reach the proxy's check.
    expect((await raw("TRACK", "/api/proxy/c_1/x")).status).toBe(400);
    for (const method of ["TRACE", "TRACK", "CONNECT", "trace"]) {
      const refused = await proxyRequest({ method, connectionId: "c_1", path: "/x", search: "", headers: [], body: null, ip: "127.0.0.1" }).catch((error: unknown) => error);
      expect(refused, method).toMatchObject({ status: 405, code: "method_not_allowed" });
    }
  });
});
