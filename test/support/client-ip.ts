import type { IncomingMessage } from "node:http";
import { stampClientIp } from "@/lib/request-ip";

/** The headers server.ts gives a request from this address, for tests that call route handlers without it. */
export function fromAddress(ip: string): Record<string, string> {
  const request = { headers: {}, socket: { remoteAddress: ip } } as unknown as IncomingMessage;
  stampClientIp(request);
  return request.headers as Record<string, string>;
}
