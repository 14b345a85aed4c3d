import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { afterAll, beforeAll, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";

// Issue 14, item 9: a sender that sends the headers and part of a body, then
// stalls, gets 408 once KEYWAY_WEBHOOK_BODY_TIMEOUT_MS has passed, not after
// Node's five minutes, and nothing is stored. A real socket against a Node
// server handing the request to the real route handler (as Next does).

process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_WEBHOOK_BODY_TIMEOUT_MS = "1500";

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let server: Server;
let port: number;
let connectionId: string;
let token: string;

beforeAll(async () => {
  env = await useFreshAppDatabase("webhook_body_timeout")
  const connections = await import("@/lib/connections");
  const route = await import("@/app/api/hooks/[token]/route")
  const owner = await makeUser("stall-owner");
  connectionId = (await connections.createConnection(owner.personalTeam.id, owner.actor, { name: "stalled", baseUrl: "https://api.example.test", authType: "WEBHOOK" }, null)).id;
  token = (await env.db.connection.findUniqueOrThrow({ where: { id: connectionId }, select: { webhookToken: true } })).webhookToken;
  server = createServer((request, response) => {
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) if (typeof value === "string") headers.set(name, value);
    const body = Readable.toWeb(request) as ReadableStream<Uint8Array>;
    const webRequest = new Request(`http://127.0.0.1${request.url}`, { method: request.method, headers, body, duplex: "half" } as RequestInit);
    void route.POST(webRequest, { params: Promise.resolve({ token }) }).then(async (answer) => {
      response.writeHead(answer.status, Object.fromEntries(answer.headers));
      response.end(Buffer.from(await answer.arrayBuffer()));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await env?.close();
});

it("answers 408 to a body that stalls, within the configured time, and stores nothing", async () => {
  const socket = connect(port, "127.0.0.1");
  await new Promise((resolve) => socket.once("connect", resolve));
  const started = performance.now();
  socket.write(`POST /api/hooks/${token} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"partial":`);
  const answer = await new Promise<string>((resolve, reject) => {
    let text = "";
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("utf8");
      if (text.includes("\r\n\r\n") && text.includes("}")) resolve(text);
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(text));
  });
  const elapsed = performance.now() - started;
  socket.destroy();
  expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  expect(answer).toContain('"code":"body_timeout"');
  expect(answer.toLowerCase()).toContain("connection: close");
  expect(elapsed).toBeGreaterThanOrEqual(1400);
  expect(elapsed).toBeLessThan(15_000);
  expect(await env.db.webhookEvent.count({ where: { connectionId } })).toBe(0);
});
