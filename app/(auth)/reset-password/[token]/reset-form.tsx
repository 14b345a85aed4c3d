"use client";

import { Field, SubmitButton, useSchemaForm } from "@/components/form";
import { Alert } from "@/components/ui";
import { PASSWORD_MIN_LENGTH, resetPasswordSchema } from "@/lib/schemas/auth";
import { resetPasswordAction } from "../actions";

export function ResetPasswordForm({ token, email }: { token: string; email: string }) {
  const { state, action, errors, onSubmit } = useSchemaForm(resetPasswordSchema.omit({ token: true }), resetPasswordAction.bind(null, token));
  return (
    <form action={action} noValidate className="space-y-4" onSubmit={onSubmit}>
      {state.error ? <Alert>{state.error}</Alert> : null}
      {/* Lets a password manager file the new password under the right account. */}
      <input type="email" name="username" value={email} autoComplete="username" readOnly hidden />
      <Field label="New password" name="newPassword" type="password" autoComplete="new-password" error={errors.newPassword ?? errors.token} hint={`At least ${PASSWORD_MIN_LENGTH} characters, and not one of the most common passwords.`} required />
      <SubmitButton className="w-full" pendingText="Saving…">
        Set new password
      </SubmitButton>
    </form>
  );
}
