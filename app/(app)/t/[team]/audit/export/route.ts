import { stringify } from "csv-stringify/sync";
import { AccessError, checkMember } from "@/lib/access-rules";
import { currentUser } from "@/lib/auth/session";
import { allAuditEvents, auditFilterSchema, filterInput, type AuditRow } from "@/lib/audit-log";

// The audit log as CSV, for admins: the same filters as the page, streamed
// in batches so that exporting the whole log never holds it in memory.

export const dynamic = "force-dynamic";

const COLUMNS = ["id", "time", "actor", "actor_id", "ip", "action", "object_type", "object_id", "object_name", "details"];

function csvRows(rows: AuditRow[]): string {
  // escape_formulas: a cell that a spreadsheet would run as a formula (=, +, -, @) is neutralised.
  return stringify(
    rows.map((e) => [e.id.toString(), e.createdAt.toISOString(), e.actorLabel, e.actorId ?? "", e.ip ?? "", e.action, e.objectType, e.objectId ?? "", e.objectName ?? "", JSON.stringify(e.data ?? {})]),
    { escape_formulas: true },
  );
}

function refuse(status: number, message: string): Response {
  return Response.json({ error: { message } }, { status });
}

export async function GET(request: Request, { params }: { params: Promise<{ team: string }> }): Promise<Response> {
  const { team: slug } = await params;
  const user = await currentUser();
  if (!user) return refuse(401, "Sign in to export the audit log.");
  let teamId: string;
  try {
    teamId = (await checkMember(user.id, slug, "ADMIN")).team.id;
  } catch (error) {
    if (error instanceof AccessError) return refuse(error.status, error.status === 404 ? "Not found." : "Only admins and owners can read the audit log.");
    throw error;
  }
  const url = new URL(request.url);
  const parsed = auditFilterSchema.safeParse(filterInput(Object.fromEntries(url.searchParams)));
  if (!parsed.success) {
    return Response.json({ error: { message: "Invalid filter.", fields: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) } }, { status: 400 });
  }
  const batches = allAuditEvents(teamId, parsed.data);
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(stringify([COLUMNS])));
    },
    async pull(controller) {
      const next = await batches.next();
      if (next.done) controller.close();
      else controller.enqueue(encoder.encode(csvRows(next.value)));
    },
    async cancel() {
      await batches.return(undefined);
    },
  });
  const stamp = new Date().toISOString().slice(0, 10);
  return new Response(body, {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="keyway-audit-${slug}-${stamp}.csv"`,
      "Cache-Control": "no-store",
    },
  });
}
