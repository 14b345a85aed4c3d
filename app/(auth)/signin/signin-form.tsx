"use client";

import Link from "next/link";
import { Field, SubmitButton, useSchemaForm } from "@/components/form";
import { Alert } from "@/components/ui";
import { signInSchema } from "@/lib/schemas/auth";
import { signInAction } from "../actions";

export function SignInForm({ callbackUrl, notice }: { callbackUrl: string; notice?: string }) {
  const { state, action, errors, onSubmit } = useSchemaForm(signInSchema, signInAction);
  return (
    <form
      action={action}
      noValidate
      className="space-y-4"
      onSubmit={onSubmit}
    >
      {state.error ? <Alert>{state.error}</Alert> : notice ? <Alert>{notice}</Alert> : null}
      <input type="hidden" name="callbackUrl" value={callbackUrl} />
      <Field label="Email" name="email" type="email" autoComplete="email" defaultValue={state.values?.email} error={errors.email} required />
      <Field label="Password" name="password" type="password" autoComplete="current-password" error={errors.password} required />
      <SubmitButton className="w-full" pendingText="Signing in…">
        Sign in
      </SubmitButton>
      <p className="text-center text-sm text-slate-600">
        New to Keyway?{" "}
        <Link className="font-medium text-brand-700 hover:underline" href={`/signup${callbackUrl !== "/" ? `?callbackUrl=${encodeURIComponent(callbackUrl)}` : ""}`}>
          Create an account
        </Link>
      </p>
    </form>
  );
}
