import { Badge } from "@/components/ui";
import type { ConnectionStatus } from "@/lib/generated/prisma/enums";

const STATUS: Record<ConnectionStatus, { label: string; tone: "slate" | "green" | "red" | "amber" }> = {
  UNTESTED: { label: "Untested", tone: "slate" },
  WORKING: { label: "Working", tone: "green" },
  FAILING: { label: "Failing", tone: "red" },
  NEEDS_REAUTH: { label: "Needs re-authorization", tone: "amber" },
};

export function ConnectionStatusBadge({ status }: { status: ConnectionStatus }) {
  const { label, tone } = STATUS[status];
  return <Badge tone={tone}>{label}</Badge>;
}
