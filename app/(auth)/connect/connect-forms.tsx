"use client";

import { useActionState, useMemo } from "react";
import { Field, FieldFrame, SubmitButton, describedByOf, useSchemaForm } from "@/components/form";
import { Alert, inputStyles } from "@/components/ui";
import type { FormState } from "@/lib/forms";
import type { SecretSlot } from "@/lib/connect-links/secret-slots";
import { secretSlotsSchema } from "@/lib/connect-links/slot-schema";
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
  // The server parses with the same schema; checking here first keeps a pasted key file in place while a problem is shown.
  const schema = useMemo(() => secretSlotsSchema(slots), [slots]);
  const { state, action, errors, onSubmit } = useSchemaForm(schema, submitConnectLinkSecretsAction.bind(null, token));
  if (state.ok) {
    return <Alert tone="green">{state.message}</Alert>;
  }
  return (
    // React 19 resets a form after its action settles; a refused save must not wipe a pasted key file or a typed secret.
    <form action={action} onSubmit={onSubmit} onReset={(event) => event.preventDefault()} noValidate className="space-y-4">
      {state.error ? <Alert>{state.error}</Alert> : null}
      {slots.map((slot, index) => {
        const id = `slot-${index}`;
        const error = errors[slot.key];
        return slot.multiline ? (
          <FieldFrame key={slot.key} id={id} label={slot.label} hint={slot.hint} error={error}>
            <textarea id={id} name={slot.key} rows={6} required spellCheck={false} autoComplete="off" aria-invalid={error ? true : undefined} aria-describedby={describedByOf(id, slot.hint, error)} className={`${inputStyles} font-mono text-xs`} />
          </FieldFrame>
        ) : (
          <Field key={slot.key} id={id} label={slot.label} hint={slot.hint} name={slot.key} type="password" autoComplete="off" required error={error} />
        );
      })}
      <SubmitButton className="w-full" pendingText="Saving…">
        Save securely
      </SubmitButton>
    </form>
  );
}
