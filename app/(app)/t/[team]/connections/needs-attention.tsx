import Link from "next/link";
import { Badge } from "@/components/ui";
import { needsAttention, stateLabel } from "@/lib/health/state";
import { stateOfConnection } from "./status-badge";

type Row = Parameters<typeof stateOfConnection>[0] & { id: string; name: string };

/** The team's connections whose health asks for someone (failing, re-authorization, agent down, certificate ending), above the list. */
export function NeedsAttention({ teamSlug, connections, now }: { teamSlug: string; connections: Row[]; now: number }) {
  const flagged = connections.map((c) => ({ c, state: stateOfConnection(c, now) })).filter(({ state }) => needsAttention(state));
  if (flagged.length === 0) return null;
  return (
    <section aria-labelledby="attention-heading" className="mb-4 rounded-lg border border-amber-200 bg-amber-50 px-4 py-3" data-testid="needs-attention">
      <h2 id="attention-heading" className="text-sm font-semibold text-amber-950">
        Needs attention ({flagged.length})
      </h2>
      <ul className="mt-2 space-y-1.5">
        {flagged.map(({ c, state }) => {
          const { label, tone } = stateLabel(state, now);
          return (
            <li key={c.id} className="flex flex-wrap items-center gap-2 text-sm">
              <Link href={`/t/${teamSlug}/connections/${c.id}`} className="font-medium text-slate-900 underline hover:text-brand-700">
                {c.name}
              </Link>
              <Badge tone={tone}>{label}</Badge>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
