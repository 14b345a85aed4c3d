import { Badge } from "@/components/ui";
import type { ConnectionStatus } from "@/lib/generated/prisma/enums";

const STATUS: Record<ConnectionStatus, { label: string; tone: "slate" | "green" | "red" | "amber" }> = {
  UNTESTED: { label: "Untested", tone: "slate" },
  WORKING: { label: "Working", tone: "green" },
  FAILING: { label: "Failing", tone: "red" },
  NEEDS_REAUTH: { label: "Needs re-authorization", tone: "amber" },
};

/** `notConnected`: an authorization code connection without tokens, which no test can make work before Connect. */
export function ConnectionStatusBadge({ status, notConnected = false }: { status: ConnectionStatus; notConnected?: boolean }) {
  const { label, tone } = notConnected && status !== "NEEDS_REAUTH" ? { label: "Not connected", tone: "amber" as const } : STATUS[status];
  return <Badge tone={tone}>{label}</Badge>;
}
