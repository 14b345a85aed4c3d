"use client";

import { useActionState } from "react";
import { Field, FieldFrame, SubmitButton, describedByOf } from "@/components/form";
import { Alert, inputStyles } from "@/components/ui";
import type { FormState } from "@/lib/forms";
import type { SecretSlot } from "@/lib/connect-links/secret-slots";
import { startConnectLinkAction, submitConnectLinkSecretsAction } from "./actions";

export function AuthorizeForm({ token, provider }: { token: string; provider: string }) {
  const [state, action] = useActionState<FormState, FormData>(startConnectLinkAction.bind(null, token), {});
  return (
    <form action={action} className="space-y-3">
      {state.error ? <Alert>{state.error}</Alert> : null}
      <SubmitButton className="w-full" pendingText="Opening the provider…">
        Continue to {provider}
      </SubmitButton>
    </form>
  );
}

export function SecretsForm({ token, slots }: { token: string; slots: SecretSlot[] }) {
  const [state, action] = useActionState<FormState, FormData>(submitConnectLinkSecretsAction.bind(null, token), {});
  if (state.ok) {
    return <Alert tone="green">{state.message}</Alert>;
  }
  const errors = state.fieldErrors ?? {};
  return (
    <form action={action} noValidate className="space-y-4">
      {state.error ? <Alert>{state.error}</Alert> : null}
      {slots.map((slot, index) => {
        const id = `slot-${index}`;
        const error = errors[slot.key];
        return slot.multiline ? (
          <FieldFrame key={slot.key} id={id} label={slot.label} error={error}>
            <textarea id={id} name={slot.key} rows={6} required spellCheck={false} autoComplete="off" aria-invalid={error ? true : undefined} aria-describedby={describedByOf(id, undefined, error)} className={`${inputStyles} font-mono text-xs`} />
          </FieldFrame>
        ) : (
          <Field key={slot.key} id={id} label={slot.label} name={slot.key} type="password" autoComplete="off" required error={error} />
        );
      })}
      <SubmitButton className="w-full" pendingText="Saving…">
        Save securely
      </SubmitButton>
    </form>
  );
}
