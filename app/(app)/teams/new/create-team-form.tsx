"use client";

import { useActionState, useState } from "react";
import { Field, SubmitButton } from "@/components/form";
import { Alert } from "@/components/ui";
import { fieldErrorsOf, type FormState } from "@/lib/forms";
import { teamNameSchema } from "@/lib/schemas/teams";
import { createTeamAction } from "./actions";

export function CreateTeamForm() {
  const [state, action] = useActionState<FormState, FormData>(createTeamAction, {});
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  const errors = { ...state.fieldErrors, ...clientErrors };
  return (
    <form
      action={action}
      noValidate
      className="space-y-4"
      onSubmit={(event) => {
        const parsed = teamNameSchema.safeParse(Object.fromEntries(new FormData(event.currentTarget)));
        if (!parsed.success) {
          event.preventDefault();
          setClientErrors(fieldErrorsOf(parsed.error));
        } else setClientErrors({});
      }}
    >
      {state.error ? <Alert>{state.error}</Alert> : null}
      <Field label="Team name" name="name" placeholder="Platform team" defaultValue={state.values?.name} error={errors.name} autoComplete="off" />
      <SubmitButton pendingText="Creating…">Create team</SubmitButton>
    </form>
  );
}
