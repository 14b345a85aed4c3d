import { NextRequest } from "next/server";
import { handlers } from "@/lib/auth";

/**
 * Auth.js builds the OAuth redirect_uri and its cookie-bound checks from the
 * request URL. `next start` hands route handlers a URL on its own idea of the
 * host, and NextRequest rewrites every loopback address (127.0.0.1, [::1]) to
 * "localhost", so a user on http://127.0.0.1:3000 would be sent back to
 * localhost, where the browser holds none of the sign-in cookies. Give Auth.js
 * a plain Request on the origin the browser used instead: the Host header (or a
 * proxy's X-Forwarded-Host/-Proto), as Auth.js itself resolves the origin of
 * its server actions. AUTH_URL, when set, wins (next-auth applies it).
 */
function onRequestedOrigin(request: NextRequest): NextRequest {
  if (process.env.AUTH_URL || process.env.NEXTAUTH_URL) return request;
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  if (!host) return request;
  const proto = request.headers.get("x-forwarded-proto") ?? request.nextUrl.protocol.replace(/:$/, "");
  let origin: string;
  try {
    origin = new URL(`${proto}://${host}`).origin;
  } catch {
    return request; // a malformed header: keep Next's URL
  }
  const url = new URL(request.nextUrl.pathname + request.nextUrl.search, origin);
  // Auth.js reads only url, method, headers and body, which a Request has.
  const body = request.method === "GET" || request.method === "HEAD" ? undefined : request.body;
  return new Request(url, { method: request.method, headers: request.headers, body, duplex: "half" } as RequestInit) as NextRequest;
}

export function GET(request: NextRequest) {
  return handlers.GET(onRequestedOrigin(request));
}

export function POST(request: NextRequest) {
  return handlers.POST(onRequestedOrigin(request));
}
