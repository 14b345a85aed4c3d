import { cookies } from "next/headers";
import { currentUser } from "@/lib/auth/session";
import { completeConnectLinkAuthorization } from "@/lib/connect-links";
import { CONNECT_LINK_COOKIE } from "@/lib/connect-links/cookie";
import { completeAuthorization } from "@/lib/oauth/authorize";
import { clientIp } from "@/lib/request-ip";

// The universal OAuth callback (SPEC.md, "Universal callback URL"): every
// provider sends the browser back here, and the state alone says which
// connection and which user the answer belongs to. Relative redirects keep
// the browser on whichever host name it used.

export const dynamic = "force-dynamic";

function seeOther(location: string): Response {
  return new Response(null, { status: 303, headers: { Location: location, "Cache-Control": "no-store", "Referrer-Policy": "no-referrer" } });
}

export async function GET(request: Request): Promise<Response> {
  const url = new URL(request.url);
  // A connect link's authorization belongs to the browser that opened the link, not to a session.
  const linked = await completeConnectLinkAuthorization(url.searchParams, (await cookies()).get(CONNECT_LINK_COOKIE)?.value, clientIp(request.headers));
  if (linked?.kind === "refused") return seeOther(`/oauth/refused?reason=${linked.reason}`);
  if (linked) return seeOther(`/connect/done?attempt=${linked.pendingId}`);
  const user = await currentUser();
  if (!user) {
    // The session ended while the user was at the provider: sign in, then come back here with the same answer.
    return seeOther(`/signin?callbackUrl=${encodeURIComponent(`/oauth/callback${url.search}`)}`);
  }
  const result = await completeAuthorization(user, url.searchParams, clientIp(request.headers));
  if (result.kind === "refused") {
    const back = result.connection ? `&team=${encodeURIComponent(result.connection.teamSlug)}&connection=${encodeURIComponent(result.connection.connectionId)}` : "";
    return seeOther(`/oauth/refused?reason=${result.reason}${back}`);
  }
  return seeOther(`/t/${result.teamSlug}/connections/${result.connectionId}?authorization=${result.pendingId}`);
}
