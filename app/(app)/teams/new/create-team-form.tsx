"use client";

import { Field, SubmitButton, useSchemaForm } from "@/components/form";
import { Alert } from "@/components/ui";
import { teamNameSchema } from "@/lib/schemas/teams";
import { createTeamAction } from "./actions";

export function CreateTeamForm() {
  const { state, action, errors, onSubmit } = useSchemaForm(teamNameSchema, createTeamAction);
  return (
    <form
      action={action}
      noValidate
      className="space-y-4"
      onSubmit={onSubmit}
    >
      {state.error ? <Alert>{state.error}</Alert> : null}
      <Field label="Team name" name="name" placeholder="Platform team" defaultValue={state.values?.name} error={errors.name} autoComplete="off" />
      <SubmitButton pendingText="Creating…">Create team</SubmitButton>
    </form>
  );
}
