"use client";

import { useFormStatus } from "react-dom";
import { useActionState, useState, type ComponentProps, type FormEvent, type ReactNode } from "react";
import type { z } from "zod";
import { fieldErrorsOf, type FormState } from "@/lib/forms";
import { buttonStyles, cx, inputStyles, type ButtonVariant } from "./ui";

export function SubmitButton({ children, pendingText, variant = "primary", className, ...props }: ComponentProps<"button"> & { pendingText?: string; variant?: ButtonVariant }) {
  const { pending } = useFormStatus();
  return (
    <button type="submit" disabled={pending || props.disabled} aria-disabled={pending} className={cx(buttonStyles[variant], className)} {...props}>
      {pending ? (pendingText ?? "Working…") : children}
    </button>
  );
}

type FieldProps = {
  label: string;
  name: string;
  error?: string;
  hint?: ReactNode;
  children?: ReactNode;
} & Omit<ComponentProps<"input">, "name">;

/** A labelled input whose error is announced and tied to it with aria-describedby. */
export function Field({ label, name, error, hint, children, id, ...input }: FieldProps) {
  const fieldId = id ?? `field-${name}`;
  const describedBy = [hint ? `${fieldId}-hint` : null, error ? `${fieldId}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div>
      <label htmlFor={fieldId} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <div className="mt-1">
        {children ?? <input id={fieldId} name={name} aria-invalid={error ? true : undefined} aria-describedby={describedBy} className={inputStyles} {...input} />}
      </div>
      {hint ? (
        <p id={`${fieldId}-hint`} className="mt-1 text-xs text-slate-600">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${fieldId}-error`} className="mt-1 text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/**
 * A server action's form state plus the same zod schema checked in the browser
 * first: a form that fails the schema shows its field errors without a round
 * trip, and the server action (which parses with the same schema) stays the
 * authority. `errors` merges the two, the browser's being the newer.
 */
export function useSchemaForm(schema: z.ZodType, serverAction: (previous: FormState, data: FormData) => Promise<FormState>) {
  const [state, action] = useActionState<FormState, FormData>(serverAction, {});
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    const parsed = schema.safeParse(Object.fromEntries(new FormData(event.currentTarget)));
    if (parsed.success) {
      setClientErrors({});
    } else {
      event.preventDefault();
      setClientErrors(fieldErrorsOf(parsed.error));
    }
  }
  return { state, action, errors: { ...state.fieldErrors, ...clientErrors }, onSubmit };
}
