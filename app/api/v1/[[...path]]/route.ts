import { handleApiRequest } from "@/lib/api/router";
import { clientIp } from "@/lib/request-ip";

// The management API under `next start` alone; server.ts serves the same handler before Next (lib/api/node.ts).
export const dynamic = "force-dynamic";

function api(request: Request): Promise<Response> {
  return handleApiRequest(request, clientIp(request.headers));
}

export { api as GET, api as POST, api as PUT, api as PATCH, api as DELETE, api as HEAD };
