// Keyway's production HTTP server: Next.js serves the app, except for the
// proxy (/api/proxy/…), which this server hands straight to lib/proxy. The
// proxy is the hot path services call for every API request they make
// through Keyway; Next's request pipeline (routing, Fetch API adapters,
// rendering context) costs it several times what the proxying itself does.
// app/api/proxy keeps the same proxy reachable under `next dev` and `next start`.
//
// `npm start` runs this (through scripts/start.ts). Settings: PORT (3000) and
// HOSTNAME (all interfaces), as for `next start`.
import { createServer } from "node:http";
import next from "next";
import { isProxyUrl, serveProxyRequest } from "./lib/proxy/node";

const port = Number(process.env.PORT ?? 3000);
const hostname = process.env.HOSTNAME || undefined;

async function main() {
  const app = next({ dev: false, dir: process.cwd(), hostname: hostname ?? "localhost", port });
  const handle = app.getRequestHandler();
  await app.prepare();
  const server = createServer((request, response) => {
    if (isProxyUrl(request.url)) void serveProxyRequest(request, response);
    else void handle(request, response);
  });
  // Slow clients and keep-alive, as next start sets them.
  server.keepAliveTimeout = 65_000;
  server.listen(port, hostname, () => console.log(`Keyway listening on ${hostname ?? "*"}:${port}`));
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      server.close(() => process.exit(0));
      server.closeIdleConnections();
      setTimeout(() => process.exit(0), 5_000).unref();
    });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
