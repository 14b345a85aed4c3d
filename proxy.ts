import { NextResponse, type NextRequest } from "next/server";
import { fixedSecurityHeaders, newNonce, pageContentSecurityPolicy } from "@/lib/security-headers";
import { REQUEST_ID_HEADER, requestIdFrom } from "@/lib/request-context";

// Every answer Next gives (pages, server actions, route handlers: webhooks,
// the OAuth callback, Auth.js) gets the security headers here, with a fresh
// script nonce. Next reads the nonce from the request's Content-Security-Policy
// header and puts it on the scripts it renders, which is why that header is set
// on the request too (replacing any the client sent). server.ts gives the same
// headers to the answers it serves outside Next.
export function proxy(request: NextRequest) {
  const csp = pageContentSecurityPolicy(newNonce());
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set("content-security-policy", csp);
  requestHeaders.delete("content-security-policy-report-only");
  // Every answer carries a request id. Under server.ts (`npm start`) the request already holds the
  // one server.ts chose and logs with; under `next start` alone it is made here.
  const requestId = requestIdFrom(request.headers.get(REQUEST_ID_HEADER));
  requestHeaders.set(REQUEST_ID_HEADER, requestId);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set(REQUEST_ID_HEADER, requestId);
  response.headers.set("Content-Security-Policy", csp);
  for (const [name, value] of Object.entries(fixedSecurityHeaders())) response.headers.set(name, value);
  return response;
}

export const config = {
  // Build output, hot reload and icons carry no script to protect (and a WebSocket upgrade must not pass here); server.ts gives them the fixed headers.
  matcher: ["/((?!_next/|favicon\\.ico|icon\\.svg).*)"],
};
