"use client";

import { useActionState } from "react";
import { ConfirmButton, Field, SubmitButton, useSchemaForm } from "@/components/form";
import { Alert } from "@/components/ui";
import type { FormState } from "@/lib/forms";
import { changePasswordSchema, PASSWORD_MIN_LENGTH } from "@/lib/schemas/auth";
import { changePasswordAction, revokeSessionAction, signOutEverywhereElseAction } from "./actions";

export function ChangePasswordForm() {
  const { state, action, errors, onSubmit } = useSchemaForm(changePasswordSchema, changePasswordAction);
  return (
    <form action={action} noValidate className="space-y-4" onSubmit={onSubmit}>
      {state.ok ? <Alert tone="green">{state.message}</Alert> : null}
      {state.error ? <Alert>{state.error}</Alert> : null}
      <Field label="Current password" name="currentPassword" type="password" autoComplete="current-password" error={errors.currentPassword} required />
      <Field label="New password" name="newPassword" type="password" autoComplete="new-password" error={errors.newPassword} hint={`At least ${PASSWORD_MIN_LENGTH} characters, and not one of the most common passwords.`} required />
      <SubmitButton pendingText="Changing…">Change password</SubmitButton>
    </form>
  );
}

export function RevokeSessionButton({ sessionId, label }: { sessionId: string; label: string }) {
  const [state, action] = useActionState<FormState, FormData>(revokeSessionAction, {});
  return (
    <form action={action}>
      {state.error ? <Alert>{state.error}</Alert> : null}
      <input type="hidden" name="sessionId" value={sessionId} />
      <SubmitButton variant="secondary" pendingText="Signing out…" aria-label={`Sign out ${label}`}>
        Sign out
      </SubmitButton>
    </form>
  );
}

export function SignOutEverywhereElse() {
  return (
    <ConfirmButton
      label="Sign out everywhere else"
      question="Sign out every other browser and device?"
      confirmLabel="Yes, sign them out"
      pendingText="Signing out…"
      action={signOutEverywhereElseAction}
    />
  );
}
