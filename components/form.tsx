"use client";

import Link from "next/link";
import { useFormStatus } from "react-dom";
import { useActionState, useState, type ComponentProps, type FormEvent, type ReactNode } from "react";
import type { z } from "zod";
import { fieldErrorsOf, type FormState } from "@/lib/forms";
import { Alert, buttonStyles, cx, inputStyles, type ButtonVariant } from "./ui";

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

/** The ids that tie a control to its hint and error, for aria-describedby. */
export function describedByOf(id: string, hint?: ReactNode, error?: string): string | undefined {
  return [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
}

/** Label, control, hint and error of one field; the control sets aria-describedby={describedByOf(id, hint, error)}. */
export function FieldFrame({ id, label, hint, error, children }: { id: string; label: string; hint?: ReactNode; error?: string; children: ReactNode }) {
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <div className="mt-1">{children}</div>
      {hint ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-slate-600">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}

/** A labelled input whose error is announced and tied to it with aria-describedby. */
export function Field({ label, name, error, hint, children, id, ...input }: FieldProps) {
  const fieldId = id ?? `field-${name}`;
  return (
    <FieldFrame id={fieldId} label={label} hint={hint} error={error}>
      {children ?? <input id={fieldId} name={name} aria-invalid={error ? true : undefined} aria-describedby={describedByOf(fieldId, hint, error)} className={inputStyles} {...input} />}
    </FieldFrame>
  );
}

/**
 * A server action's form state plus the same zod schema checked in the browser
 * first: a form that fails the schema shows its field errors without a round
 * trip, and the server action (which parses with the same schema) stays the
 * authority. `errors` merges the two, the browser's being the newer.
 */
export function useSchemaForm(
  schema: z.ZodType,
  serverAction: (previous: FormState, data: FormData) => Promise<FormState>,
  // The fields as the server action reads them (a repeated field is a list there).
  read: (data: FormData) => unknown = (data) => Object.fromEntries(data),
) {
  const [state, action] = useActionState<FormState, FormData>(serverAction, {});
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    const parsed = schema.safeParse(read(new FormData(event.currentTarget)));
    if (parsed.success) {
      setClientErrors({});
    } else {
      event.preventDefault();
      setClientErrors(fieldErrorsOf(parsed.error));
    }
  }
  return { state, action, errors: { ...state.fieldErrors, ...clientErrors }, onSubmit };
}

/**
 * A form whose whole state is one JSON draft (lists of rows do not fit flat
 * form fields): submitted as the hidden field `payload`, checked in the
 * browser with the same parse the server action uses, so field errors show
 * without a round trip. `children` gets the errors to show next to fields.
 */
export function DraftForm<T>({
  draft,
  parse,
  action,
  submitLabel,
  cancelHref,
  children,
  stillApplies,
  secondary,
}: {
  draft: T;
  parse: (draft: T) => { success: true } | { success: false; fieldErrors: Record<string, string> };
  /** Whether a field's error, found in the draft as submitted, still applies to the draft as it is now (say, after the user chose another kind of form). */
  stillApplies?: (field: string, submitted: T, now: T) => boolean;
  action: (previous: FormState, data: FormData) => Promise<FormState>;
  submitLabel: string;
  cancelHref: string;
  children: (errors: Record<string, string>) => ReactNode;
  /** A second submit button, sent as `name=value` (e.g. "Save and test"); the action's `result.outcome` is shown above the buttons. */
  secondary?: { label: string; name: string; value: string; pendingText: string };
}) {
  const [state, formAction] = useActionState(action, {});
  const [clientErrors, setClientErrors] = useState<Record<string, string> | null>(null);
  const [submitted, setSubmitted] = useState<T | null>(null);
  const found = clientErrors ?? state.fieldErrors ?? {};
  const errors = stillApplies && submitted !== null ? Object.fromEntries(Object.entries(found).filter(([field]) => stillApplies(field, submitted, draft))) : found;
  return (
    <form
      action={formAction}
      noValidate
      className="space-y-6"
      // React 19 resets a form after its action settles (form.reset()). That puts
      // every controlled radio and checkbox back to the checkedness it was first
      // rendered with, while React's state has not changed, so React never
      // re-renders them: after a refused save the auth-type list showed "None"
      // checked beside the chosen card. Everything here lives in `draft` (sent
      // as `payload`), so a reset has nothing to clear: cancel it.
      onReset={(event) => event.preventDefault()}
      onSubmit={(event) => {
        setSubmitted(draft);
        const parsed = parse(draft);
        if (!parsed.success) {
          event.preventDefault();
          setClientErrors(parsed.fieldErrors);
        } else {
          setClientErrors(null);
        }
      }}
    >
      <input type="hidden" name="payload" value={JSON.stringify(draft)} />
      {state.error ? <Alert>{state.error}</Alert> : null}
      {Object.keys(errors).length > 0 ? <Alert>Some fields need your attention; see the messages below them.</Alert> : null}
      {children(errors)}
      {state.result?.outcome ? (
        <div data-testid="save-test-result">
          <Alert tone={state.ok ? "green" : "amber"} title={state.message}>
            {state.result.outcome}
          </Alert>
        </div>
      ) : null}
      <div className="flex flex-wrap gap-2">
        <SubmitButton pendingText="Saving…">{submitLabel}</SubmitButton>
        {secondary ? (
          <SubmitButton pendingText={secondary.pendingText} name={secondary.name} value={secondary.value} variant="secondary">
            {secondary.label}
          </SubmitButton>
        ) : null}
        <Link href={cancelHref} className={buttonStyles.ghost}>
          Cancel
        </Link>
      </div>
    </form>
  );
}

/** A labelled select whose error is tied to it, like Field. */
export function SelectField({ label, id, error, hint, children, ...select }: { label: string; id: string; error?: string; hint?: ReactNode } & ComponentProps<"select">) {
  return (
    <FieldFrame id={id} label={label} hint={hint} error={error}>
      <select id={id} className={inputStyles} aria-invalid={error ? true : undefined} aria-describedby={describedByOf(id, hint, error)} {...select}>
        {children}
      </select>
    </FieldFrame>
  );
}

/**
 * A button that asks before it acts: the question, a confirming submit
 * button and Cancel, in place of the button (delete, disconnect).
 */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  pendingText,
  action,
}: {
  label: string;
  question: ReactNode;
  confirmLabel: string;
  pendingText: string;
  action: (previous: FormState, data: FormData) => Promise<FormState>;
}) {
  const [confirming, setConfirming] = useState(false);
  const [state, formAction] = useActionState<FormState, FormData>(action, {});
  if (!confirming) {
    return (
      <button type="button" className={buttonStyles.secondary} onClick={() => setConfirming(true)}>
        {label}
      </button>
    );
  }
  return (
    <form action={formAction} className="flex flex-wrap items-center gap-2 rounded-md border border-red-200 bg-red-50 p-2">
      {state.error ? <Alert>{state.error}</Alert> : null}
      <input type="hidden" name="confirm" value="yes" />
      <span className="text-sm text-red-800">{question}</span>
      <SubmitButton variant="danger" pendingText={pendingText}>
        {confirmLabel}
      </SubmitButton>
      <button type="button" className={buttonStyles.secondary} onClick={() => setConfirming(false)}>
        Cancel
      </button>
    </form>
  );
}
