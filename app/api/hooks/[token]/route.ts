import { DATABASE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from "@/lib/db/unavailable";
import { log } from "@/lib/log";
import { metrics } from "@/lib/ops/metrics";
import { receiveWebhook } from "@/lib/webhooks/receive";

// The webhook receiver of connections of type None (lib/webhooks/receive.ts does the work).

export const dynamic = "force-dynamic";

type Context = { params: Promise<{ token: string }> };

export async function POST(request: Request, { params }: Context): Promise<Response> {
  const { token } = await params;
  let outcome;
  try {
    outcome = await receiveWebhook(token, request);
  } catch (error) {
    metrics.webhookEvents.inc({ outcome: "refused", status: isDatabaseUnavailable(error) ? "503" : "500" });
    if (isDatabaseUnavailable(error)) {
      // The sender's retry will be stored once the database is back; 503 with Retry-After is what senders retry on.
      return Response.json(
        { error: { code: "database_unavailable", message: "Keyway cannot reach its database; retry later." } },
        { status: 503, headers: { "Cache-Control": "no-store", "Retry-After": String(DATABASE_RETRY_AFTER_SECONDS), "X-Keyway-Error": "database_unavailable" } },
      );
    }
    // The name only: a message could quote what it failed on, and bodies and secrets are never logged.
    log.error({ error: error instanceof Error ? error.name : "unknown error" }, "Webhook receiver failed");
    return Response.json({ error: { code: "internal_error", message: "Keyway could not take this event; retry later." } }, { status: 500, headers: { "Cache-Control": "no-store" } });
  }
  metrics.webhookEvents.inc({ outcome: outcome.status < 300 ? "accepted" : "refused", status: String(outcome.status) });
  return Response.json(outcome.body, { status: outcome.status, headers: { "Cache-Control": "no-store", ...outcome.headers } });
}

function methodNotAllowed(): Response {
  return Response.json(
    { error: { code: "method_not_allowed", message: "A webhook URL accepts POST only." } },
    { status: 405, headers: { Allow: "POST", "Cache-Control": "no-store" } },
  );
}

export const GET = methodNotAllowed;
export const HEAD = () => new Response(null, { status: 405, headers: { Allow: "POST" } });
export const PUT = methodNotAllowed;
export const PATCH = methodNotAllowed;
export const DELETE = methodNotAllowed;
export const OPTIONS = methodNotAllowed;
