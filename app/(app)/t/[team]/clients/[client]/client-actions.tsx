"use client";

import Link from "next/link";
import { ConfirmButton } from "@/components/form";
import { buttonStyles } from "@/components/ui";
import { deleteClientAction } from "../actions";

export function ClientActions({ teamSlug, clientId, name }: { teamSlug: string; clientId: string; name: string }) {
  return (
    <>
      <Link href={`/t/${teamSlug}/clients/${clientId}/edit`} className={buttonStyles.primary}>
        Edit
      </Link>
      <ConfirmButton
        label="Delete"
        // A client in use is refused by the server, which says which to move first.
        question={`Delete ${name}? Keyway forgets its secret; the client stays registered at the provider.`}
        confirmLabel="Yes, delete it"
        pendingText="Deleting…"
        action={deleteClientAction.bind(null, teamSlug, clientId)}
      />
    </>
  );
}
