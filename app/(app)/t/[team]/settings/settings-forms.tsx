"use client";

import { useActionState, useState } from "react";
import { Field, SubmitButton, useSchemaForm } from "@/components/form";
import { Alert, buttonStyles } from "@/components/ui";
import type { FormState } from "@/lib/forms";
import { teamNameSchema } from "@/lib/schemas/teams";
import { deleteTeamAction, removeMemberAction, renameTeamAction } from "../actions";

export function RenameTeamForm({ teamSlug, name, disabled }: { teamSlug: string; name: string; disabled: boolean }) {
  const { state, action, errors, onSubmit } = useSchemaForm(teamNameSchema, renameTeamAction.bind(null, teamSlug));
  return (
    <form
      action={action}
      noValidate
      className="space-y-3"
      onSubmit={onSubmit}
    >
      {state.ok ? <Alert tone="green">{state.message}</Alert> : null}
      {state.error ? <Alert>{state.error}</Alert> : null}
      <Field label="Name" name="name" defaultValue={state.values?.name ?? name} error={errors.name} disabled={disabled} />
      {disabled ? null : <SubmitButton pendingText="Saving…">Save name</SubmitButton>}
    </form>
  );
}

export function LeaveTeamForm({ teamSlug, membershipId }: { teamSlug: string; membershipId: string }) {
  const [state, action] = useActionState<FormState, FormData>(removeMemberAction.bind(null, teamSlug), {});
  const [confirming, setConfirming] = useState(false);
  return (
    <form action={action} className="space-y-3">
      {state.error ? <Alert>{state.error}</Alert> : null}
      <input type="hidden" name="membershipId" value={membershipId} />
      {confirming ? (
        <div className="flex flex-wrap gap-2">
          <SubmitButton variant="danger" pendingText="Leaving…">
            Yes, leave this team
          </SubmitButton>
          <button type="button" className={buttonStyles.secondary} onClick={() => setConfirming(false)}>
            Cancel
          </button>
        </div>
      ) : (
        <button type="button" className={buttonStyles.secondary} onClick={() => setConfirming(true)}>
          Leave team
        </button>
      )}
    </form>
  );
}

export function DeleteTeamForm({ teamSlug }: { teamSlug: string }) {
  const [state, action] = useActionState<FormState, FormData>(deleteTeamAction.bind(null, teamSlug), {});
  return (
    <form action={action} className="space-y-3">
      {state.error ? <Alert>{state.error}</Alert> : null}
      <Field label={`Type ${teamSlug} to confirm`} name="confirmSlug" autoComplete="off" error={state.fieldErrors?.confirmSlug} />
      <SubmitButton variant="danger" pendingText="Deleting…">
        Delete this team
      </SubmitButton>
    </form>
  );
}
