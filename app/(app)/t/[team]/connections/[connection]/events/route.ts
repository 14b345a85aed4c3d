import { listWebhookEvents } from "@/lib/webhooks/events";
import { refuse, teamOfCaller } from "./access";

// The connection page polls this for new webhook events: GET ?after=<ISO time
// of the newest event it has> answers the events since then (with a few
// seconds of overlap; the page merges by id), how many are kept and how many
// were refused.

export const dynamic = "force-dynamic";

export async function GET(request: Request, { params }: { params: Promise<{ team: string; connection: string }> }): Promise<Response> {
  const { team: slug, connection: connectionId } = await params;
  const caller = await teamOfCaller(slug);
  if ("refused" in caller) return caller.refused;
  const afterParam = new URL(request.url).searchParams.get("after");
  const after = afterParam ? new Date(afterParam) : undefined;
  if (after && Number.isNaN(after.getTime())) return refuse(400, "after must be an ISO 8601 time.");
  const page = await listWebhookEvents(caller.teamId, connectionId, { after });
  if (!page) return refuse(404, "Not found.");
  return Response.json(page, { headers: { "Cache-Control": "no-store" } });
}
