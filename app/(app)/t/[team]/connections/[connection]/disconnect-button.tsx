"use client";

import { ConfirmButton } from "@/components/form";
import { disconnectConnectionAction } from "../actions";

export function DisconnectButton({ teamSlug, connectionId, revocable }: { teamSlug: string; connectionId: string; revocable: boolean }) {
  return (
    <ConfirmButton
      label="Disconnect"
      question={revocable ? "Revoke the tokens at the provider and delete them here?" : "Delete the tokens here? (This provider offers no revocation.)"}
      confirmLabel="Yes, disconnect"
      pendingText="Disconnecting…"
      action={disconnectConnectionAction.bind(null, teamSlug, connectionId)}
    />
  );
}
