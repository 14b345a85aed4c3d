import { handleProxyRequest } from "@/lib/proxy";
import { clientIp } from "@/lib/request-ip";

// Thin on purpose: authentication is the API key in the Authorization header, checked in lib/proxy.
export const dynamic = "force-dynamic";

type Context = { params: Promise<{ connection: string; path?: string[] }> };

async function proxy(request: Request, { params }: Context): Promise<Response> {
  const { connection } = await params;
  // The path as the caller encoded it (the route's params are decoded, and %2F must stay %2F).
  const pathname = new URL(request.url).pathname;
  const prefix = `/api/proxy/${connection}`;
  const path = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : "";
  return handleProxyRequest({ request, connectionId: connection, path, ip: clientIp(request.headers) });
}

export { proxy as GET, proxy as POST, proxy as PUT, proxy as PATCH, proxy as DELETE, proxy as HEAD, proxy as OPTIONS };
