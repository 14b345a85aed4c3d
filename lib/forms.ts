import type { z } from "zod";
import { DomainError } from "./errors";

/** What every form action returns: field errors keyed by field path, or a message for the whole form. */
export type FormState = {
  ok?: boolean;
  message?: string;
  error?: string;
  fieldErrors?: Record<string, string>;
  /** Echo of what the user typed (never passwords), so a refused form keeps it. */
  values?: Record<string, string>;
  /** Results meant for the user who just acted, e.g. a link shown once. */
  result?: Record<string, string>;
};

export function fieldErrorsOf(error: z.ZodError): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.join(".") || "form";
    errors[path] ??= issue.message;
  }
  return errors;
}

/** A refusal from the domain as form state (next to its field when it names one); anything else is a real failure and is rethrown. */
export function refusalState(error: unknown): FormState {
  if (error instanceof DomainError) return error.field ? { fieldErrors: { [error.field]: error.message } } : { error: error.message };
  throw error;
}

export function formValues(formData: FormData, keep: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (const key of keep) {
    const value = formData.get(key);
    if (typeof value === "string") values[key] = value;
  }
  return values;
}

export function formObject(formData: FormData): Record<string, string> {
  const object: Record<string, string> = {};
  for (const [key, value] of formData.entries()) {
    if (typeof value === "string" && !key.startsWith("$ACTION")) object[key] = value;
  }
  return object;
}
