import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export type Received = { method: string; url: string; headers: IncomingHttpHeaders; body: string };

/**
 * A plain HTTP API on loopback that answers every request with JSON of what it
 * received, and remembers it, so a test can check exactly what Keyway sent.
 * (playwright.config.ts lets the app reach loopback with KEYWAY_OUTBOUND_ALLOW.)
 */
export async function startEchoUpstream(host = "127.0.0.1"): Promise<{ baseUrl: string; received: Received[]; abandoned: string[]; close(): Promise<void> }> {
  const received: Received[] = [];
  // /slow/<ms> answers after that long; a request whose caller went away first is listed here.
  const abandoned: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const entry = { method: request.method ?? "", url: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks).toString("utf8") };
      // Health checks that the app schedules on its own (lib/health, User-Agent Keyway-Health-Check) are answered but not counted: a test counts what it sent.
      if (!String(request.headers["user-agent"] ?? "").startsWith("Keyway-Health-Check")) received.push(entry);
      if (request.url?.startsWith("/slow/")) {
        const timer = setTimeout(() => response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(entry)), Number(request.url.split("/")[2]) || 0);
        response.on("close", () => {
          if (response.writableFinished) return;
          clearTimeout(timer);
          abandoned.push(request.url ?? "");
        });
        return;
      }
      const status = request.url?.startsWith("/status/") ? Number(request.url.split("/")[2]) || 200 : 200;
      response.writeHead(status, { "content-type": "application/json", "x-upstream": "echo" });
      response.end(JSON.stringify(entry));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://${host}:${port}`,
    received,
    abandoned,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
