// A process of its own for `npm run bench:proxy` (scripts/bench/proxy.ts), so
// that the load generator, the upstream and each proxy do not share one event
// loop:
//   tsx scripts/bench/proxy-peer.ts upstream        an API answering 1 KB of JSON
//   tsx scripts/bench/proxy-peer.ts floor <url>     the floor: a minimal Node reverse proxy to <url>
// Prints "listening <url>" once it accepts requests.
import { Agent, createServer, request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";

function listen(server: Server) {
  server.listen(0, "127.0.0.1", () => console.log(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}`));
}

function upstream() {
  const items = Array.from({ length: 13 }, (_, i) => ({ id: i + 1, name: `item ${i + 1}`, status: "active", tags: ["a", "b"] }));
  const bare = JSON.stringify({ items, next: null, pad: "" });
  const body = JSON.stringify({ items, next: null, pad: "x".repeat(Math.max(0, 1024 - bare.length)) });
  listen(
    createServer((request, response) => {
      request.resume();
      request.on("end", () => response.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body));
    }),
  );
}

/** What any reverse proxy in Node costs at the least: add one header, pipe both ways over kept-alive sockets. */
function floor(target: URL) {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  listen(
    createServer((request, response) => {
      const outgoing = httpRequest(
        { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: { ...request.headers, host: target.host, "x-api-key": "static" }, agent },
        (answer) => {
          response.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(response);
        },
      );
      outgoing.on("error", () => response.destroy());
      request.pipe(outgoing);
    }),
  );
}

const [mode, url] = process.argv.slice(2);
if (mode === "upstream") upstream();
else if (mode === "floor" && url) floor(new URL(url));
else {
  console.error("usage: proxy-peer.ts upstream | floor <upstream url>");
  process.exit(2);
}
