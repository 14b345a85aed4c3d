import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { stampClientIp } from "../request-ip";
import { API_PREFIX, handleApiRequest } from "./router";

// /api/v1 served by Keyway's own HTTP server (server.ts) before Next sees the
// request, as the proxy is: the API's answers are small JSON documents, and
// Next's pipeline would cost more than most of them take to compute.

export function isApiUrl(url: string | undefined): boolean {
  return url !== undefined && (url === API_PREFIX || url.startsWith(`${API_PREFIX}/`) || url.startsWith(`${API_PREFIX}?`));
}

export async function serveApiRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
  const headers = new Headers();
  for (let i = 0; i < request.rawHeaders.length; i += 2) headers.append(request.rawHeaders[i]!, request.rawHeaders[i + 1]!);
  const method = request.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  const fetchRequest = new Request(`http://${request.headers.host ?? "localhost"}${request.url ?? "/"}`, {
    method,
    headers,
    body: hasBody ? (Readable.toWeb(request) as ReadableStream<Uint8Array>) : undefined,
    ...(hasBody ? { duplex: "half" } : {}),
  } as RequestInit);
  const answer = await handleApiRequest(fetchRequest, stampClientIp(request));
  const body = Buffer.from(await answer.arrayBuffer());
  const out: Record<string, string> = {};
  answer.headers.forEach((value, name) => (out[name] = value));
  if (method !== "HEAD") out["content-length"] = String(body.length);
  response.writeHead(answer.status, out);
  response.end(method === "HEAD" ? undefined : body);
}
