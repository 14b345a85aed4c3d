import type { Metadata } from "next";
import { EmptyState, PageHeader, formatDateTime } from "@/components/ui";
import { ListIcon } from "@/components/icons";
import { requireMember } from "@/lib/access";
import { db } from "@/lib/db";

export const metadata: Metadata = { title: "Audit log" };

const RECENT = 100;

export default async function AuditPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { team } = await requireMember(slug, "ADMIN");
  const events = await db.auditEvent.findMany({
    where: { teamId: team.id },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: RECENT,
  });
  return (
    <>
      <PageHeader
        title="Audit log"
        description={`Every change to this team's members and settings, newest first. The log cannot be edited or deleted. Showing the latest ${RECENT}; filters and CSV export are coming.`}
      />
      {events.length === 0 ? (
        <EmptyState icon={<ListIcon />} title="No events yet" />
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white shadow-sm">
          <table className="min-w-full divide-y divide-slate-200 text-sm">
            <caption className="sr-only">Latest audit events</caption>
            <thead className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">
              <tr>
                <th scope="col" className="px-4 py-2.5">When</th>
                <th scope="col" className="px-4 py-2.5">Who</th>
                <th scope="col" className="px-4 py-2.5">Action</th>
                <th scope="col" className="px-4 py-2.5">Object</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {events.map((event) => (
                <tr key={event.id.toString()}>
                  <td className="whitespace-nowrap px-4 py-2.5 text-slate-600">{formatDateTime(event.createdAt)}</td>
                  <td className="px-4 py-2.5">
                    <span className="block break-all">{event.actorLabel}</span>
                    {event.ip ? <span className="block text-xs text-slate-600">from {event.ip}</span> : null}
                  </td>
                  <td className="whitespace-nowrap px-4 py-2.5 font-mono text-xs">{event.action}</td>
                  <td className="break-all px-4 py-2.5">
                    {event.objectType}
                    {event.objectName ? `: ${event.objectName}` : ""}
                    {summarise(event.data)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function summarise(data: unknown): string {
  if (!data || typeof data !== "object") return "";
  const d = data as Record<string, unknown>;
  if (typeof d.from === "string" && typeof d.to === "string") return ` (${d.from.toLowerCase()} → ${d.to.toLowerCase()})`;
  if (typeof d.role === "string") return ` (${d.role.toLowerCase()})`;
  return "";
}
