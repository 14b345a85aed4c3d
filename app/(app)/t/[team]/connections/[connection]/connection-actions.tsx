"use client";

import Link from "next/link";
import { ConfirmButton, SubmitButton } from "@/components/form";
import { buttonStyles } from "@/components/ui";
import { deleteConnectionAction, duplicateConnectionAction } from "../actions";

export function ConnectionActions({ teamSlug, connectionId, name }: { teamSlug: string; connectionId: string; name: string }) {
  return (
    <>
      <Link href={`/t/${teamSlug}/connections/${connectionId}/edit`} className={buttonStyles.secondary}>
        Edit
      </Link>
      <form action={duplicateConnectionAction.bind(null, teamSlug, connectionId)}>
        <SubmitButton variant="secondary" pendingText="Duplicating…">
          Duplicate
        </SubmitButton>
      </form>
      <ConfirmButton label="Delete" question={`Delete ${name} and its test history?`} confirmLabel="Yes, delete it" pendingText="Deleting…" action={deleteConnectionAction.bind(null, teamSlug, connectionId)} />
    </>
  );
}
