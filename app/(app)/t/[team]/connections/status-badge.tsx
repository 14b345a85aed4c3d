import { Badge } from "@/components/ui";
import type { ConnectionStatus } from "@/lib/generated/prisma/enums";
import { oauthState, type TokenSetSummary } from "@/lib/oauth/state";

const STATUS: Record<ConnectionStatus, { label: string; tone: "slate" | "green" | "red" | "amber" }> = {
  UNTESTED: { label: "Untested", tone: "slate" },
  WORKING: { label: "Working", tone: "green" },
  FAILING: { label: "Failing", tone: "red" },
  NEEDS_REAUTH: { label: "Needs re-authorization", tone: "amber" },
};

/** The stored states by name, for filters. */
export const STATUS_LABEL: Record<ConnectionStatus, string> = Object.fromEntries(Object.entries(STATUS).map(([status, { label }]) => [status, label])) as Record<ConnectionStatus, string>;

/** The badge of a connection's state: for an authorization code connection, lib/oauth/state.ts's, the one the authorization card shows too. */
export function ConnectionStatusBadge({ connection }: { connection: { authType: string; status: ConnectionStatus; tokenSet?: TokenSetSummary } }) {
  const state = oauthState(connection);
  const { label, tone } =
    state.kind === "not-connected"
      ? { label: "Not connected", tone: "amber" as const }
      : state.kind === "expired"
        ? { label: "Token expired", tone: "amber" as const }
        : state.kind === "needs-reauth"
          ? STATUS.NEEDS_REAUTH
          : STATUS[connection.status];
  return (
    <span data-testid="connection-status">
      <Badge tone={tone}>{label}</Badge>
    </span>
  );
}
