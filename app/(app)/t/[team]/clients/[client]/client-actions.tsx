"use client";

import Link from "next/link";
import { useActionState, useState } from "react";
import { SubmitButton } from "@/components/form";
import { Alert, buttonStyles } from "@/components/ui";
import type { FormState } from "@/lib/forms";
import { deleteClientAction } from "../actions";

export function ClientActions({ teamSlug, clientId, name, inUse }: { teamSlug: string; clientId: string; name: string; inUse: number }) {
  const [confirming, setConfirming] = useState(false);
  const [state, deleteAction] = useActionState<FormState, FormData>(deleteClientAction.bind(null, teamSlug, clientId), {});
  if (confirming) {
    return (
      <form action={deleteAction} className="flex flex-wrap items-center gap-2 rounded-md border border-red-200 bg-red-50 p-2">
        {state.error ? <Alert>{state.error}</Alert> : null}
        <input type="hidden" name="confirm" value="yes" />
        <span className="text-sm text-red-800">Delete {name}? Keyway forgets its secret; the client stays registered at the provider.</span>
        <SubmitButton variant="danger" pendingText="Deleting…">
          Yes, delete it
        </SubmitButton>
        <button type="button" className={buttonStyles.secondary} onClick={() => setConfirming(false)}>
          Cancel
        </button>
      </form>
    );
  }
  return (
    <>
      <Link href={`/t/${teamSlug}/clients/${clientId}/edit`} className={buttonStyles.primary}>
        Edit
      </Link>
      <button type="button" className={buttonStyles.secondary} onClick={() => setConfirming(true)} title={inUse > 0 ? "Connections use this client; they must move to another client first." : undefined}>
        Delete
      </button>
    </>
  );
}
