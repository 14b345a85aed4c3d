import { findWebhookEvent } from "@/lib/webhooks/events";
import { refuse, teamOfCaller } from "../access";

// One webhook event in full (headers and readable body), for the event the user selects on the connection page.

export const dynamic = "force-dynamic";

export async function GET(_request: Request, { params }: { params: Promise<{ team: string; connection: string; event: string }> }): Promise<Response> {
  const { team: slug, connection: connectionId, event: eventId } = await params;
  const caller = await teamOfCaller(slug);
  if ("refused" in caller) return caller.refused;
  const event = await findWebhookEvent(caller.teamId, connectionId, eventId, { raw: true });
  if (!event) return refuse(404, "This event does not exist or is no longer kept.");
  return Response.json(event, { headers: { "Cache-Control": "no-store" } });
}
