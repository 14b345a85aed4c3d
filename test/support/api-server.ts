import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import createClient from "openapi-fetch";
import type { paths } from "./api-v1";

/** /api/v1 on a real HTTP server on loopback, served by the same handler as server.ts (lib/api/node.ts). */
export async function startApiServer(): Promise<{ url: string; server: Server; client: (key: string) => ReturnType<typeof createClient<paths>>; close(): Promise<void> }> {
  const { serveApiRequest } = await import("@/lib/api/node");
  const server = createServer((request, response) => {
    serveApiRequest(request, response).catch((error: unknown) => {
      console.error(error);
      response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    // The client generated from the OpenAPI document (openapi-typescript + openapi-fetch).
    client: (key: string) => createClient<paths>({ baseUrl: `${url}/api/v1`, headers: { authorization: `Bearer ${key}` } }),
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
