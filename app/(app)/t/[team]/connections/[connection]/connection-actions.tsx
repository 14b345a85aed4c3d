"use client";

import Link from "next/link";
import { useActionState, useState } from "react";
import { SubmitButton } from "@/components/form";
import { Alert, buttonStyles } from "@/components/ui";
import type { FormState } from "@/lib/forms";
import { deleteConnectionAction, duplicateConnectionAction } from "../actions";

export function ConnectionActions({ teamSlug, connectionId, name }: { teamSlug: string; connectionId: string; name: string }) {
  const [confirming, setConfirming] = useState(false);
  const [state, deleteAction] = useActionState<FormState, FormData>(deleteConnectionAction.bind(null, teamSlug, connectionId), {});
  if (confirming) {
    return (
      <form action={deleteAction} className="flex flex-wrap items-center gap-2 rounded-md border border-red-200 bg-red-50 p-2">
        {state.error ? <Alert>{state.error}</Alert> : null}
        <input type="hidden" name="confirm" value="yes" />
        <span className="text-sm text-red-800">Delete {name} and its test history?</span>
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
      <Link href={`/t/${teamSlug}/connections/${connectionId}/edit`} className={buttonStyles.primary}>
        Edit
      </Link>
      <form action={duplicateConnectionAction.bind(null, teamSlug, connectionId)}>
        <SubmitButton variant="secondary" pendingText="Duplicating…">
          Duplicate
        </SubmitButton>
      </form>
      <button type="button" className={buttonStyles.secondary} onClick={() => setConfirming(true)}>
        Delete
      </button>
    </>
  );
}
