import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { TLSSocket } from "node:tls";
import type { AddressInfo } from "node:net";

// APIs for tests, on loopback, that answer with exactly what they received, so
// a test can see what Keyway sent: method, path and query, headers, body, and
// for TLS the client certificate that was presented.

export type Received = { method: string; url: string; headers: Record<string, string | string[] | undefined>; body: string; clientCertSubject?: string };

export type Upstream = { url: string; received: Received[]; close(): Promise<void> };

type Route = (request: IncomingMessage, response: ServerResponse, received: Received) => boolean;

function echo(received: Received[], route?: Route) {
  return (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const socket = request.socket as TLSSocket;
      const peer = typeof socket.getPeerCertificate === "function" ? socket.getPeerCertificate() : undefined;
      const entry: Received = {
        method: request.method ?? "",
        url: request.url ?? "",
        headers: request.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        clientCertSubject: peer && peer.subject ? String(peer.subject.CN) : undefined,
      };
      received.push(entry);
      if (route?.(request, response, entry)) return;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(entry));
    });
  };
}

async function listen(server: Server, scheme: "http" | "https", host = "127.0.0.1"): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return `${scheme}://${host}:${(server.address() as AddressInfo).port}`;
}

function closer(server: Server) {
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
}

export async function startHttpEcho(route?: Route): Promise<Upstream> {
  const received: Received[] = [];
  const server = createHttpServer(echo(received, route));
  return { url: await listen(server, "http"), received, close: closer(server) };
}

/** HTTPS with the given certificate; with `clientCa`, a client certificate signed by it is required. */
export async function startHttpsEcho(options: { certPem: string; keyPem: string; clientCa?: string; route?: Route }): Promise<Upstream> {
  const received: Received[] = [];
  const server = createHttpsServer(
    {
      cert: options.certPem,
      key: options.keyPem,
      ...(options.clientCa ? { ca: options.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
    },
    echo(received, options.route),
  );
  return { url: await listen(server, "https"), received, close: closer(server) };
}
