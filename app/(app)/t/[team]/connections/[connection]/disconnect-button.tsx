"use client";

import { useActionState, useState } from "react";
import { SubmitButton } from "@/components/form";
import { Alert, buttonStyles } from "@/components/ui";
import type { FormState } from "@/lib/forms";
import { disconnectConnectionAction } from "../actions";

export function DisconnectButton({ teamSlug, connectionId, revocable }: { teamSlug: string; connectionId: string; revocable: boolean }) {
  const [confirming, setConfirming] = useState(false);
  const [state, action] = useActionState<FormState, FormData>(disconnectConnectionAction.bind(null, teamSlug, connectionId), {});
  if (!confirming) {
    return (
      <button type="button" className={buttonStyles.secondary} onClick={() => setConfirming(true)}>
        Disconnect
      </button>
    );
  }
  return (
    <form action={action} className="flex w-full flex-wrap items-center gap-2 rounded-md border border-red-200 bg-red-50 p-2">
      {state.error ? <Alert>{state.error}</Alert> : null}
      <input type="hidden" name="confirm" value="yes" />
      <span className="text-sm text-red-800">{revocable ? "Revoke the tokens at the provider and delete them here?" : "Delete the tokens here? (This provider offers no revocation.)"}</span>
      <SubmitButton variant="danger" pendingText="Disconnecting…">
        Yes, disconnect
      </SubmitButton>
      <button type="button" className={buttonStyles.secondary} onClick={() => setConfirming(false)}>
        Cancel
      </button>
    </form>
  );
}
