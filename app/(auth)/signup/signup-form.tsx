"use client";

import Link from "next/link";
import { Field, SubmitButton, useSchemaForm } from "@/components/form";
import { Alert } from "@/components/ui";
import { PASSWORD_MIN_LENGTH, signUpSchema } from "@/lib/schemas/auth";
import { signUpAction } from "../actions";

export function SignUpForm({ callbackUrl }: { callbackUrl?: string }) {
  const { state, action, errors, onSubmit } = useSchemaForm(signUpSchema, signUpAction);
  return (
    <form
      action={action}
      noValidate
      className="space-y-4"
      onSubmit={onSubmit}
    >
      {state.error ? <Alert>{state.error}</Alert> : null}
      {callbackUrl ? <input type="hidden" name="callbackUrl" value={callbackUrl} /> : null}
      <Field label="Your name" name="name" autoComplete="name" defaultValue={state.values?.name} error={errors.name} required />
      <Field label="Email" name="email" type="email" autoComplete="email" defaultValue={state.values?.email} error={errors.email} required />
      <Field label="Password" name="password" type="password" autoComplete="new-password" error={errors.password} hint={`At least ${PASSWORD_MIN_LENGTH} characters.`} required />
      <SubmitButton className="w-full" pendingText="Creating your account…">
        Create account
      </SubmitButton>
      <p className="text-center text-sm text-slate-600">
        Already have an account?{" "}
        <Link className="font-medium text-brand-700 hover:underline" href={`/signin${callbackUrl ? `?callbackUrl=${encodeURIComponent(callbackUrl)}` : ""}`}>
          Sign in
        </Link>
      </p>
    </form>
  );
}
