"use client";

import { useActionState } from "react";
import { Field, SelectField, SubmitButton } from "@/components/form";
import { Alert } from "@/components/ui";
import type { FormState } from "@/lib/forms";
import { TEST_METHODS } from "@/lib/connections/test-methods";
import { runCheckNowAction, saveHealthSettingsAction } from "./health-actions";

export type HealthSettingsView = { enabled: boolean; method: string | null; path: string | null; expectedStatuses: string; intervalMinutes: number };

export function RunCheckNow({ teamSlug, connectionId }: { teamSlug: string; connectionId: string }) {
  const [state, action] = useActionState<FormState>(runCheckNowAction.bind(null, teamSlug, connectionId), {});
  return (
    <form action={action} className="space-y-2">
      <SubmitButton variant="secondary" pendingText="Checking…">
        Run check now
      </SubmitButton>
      {state.message ? (
        <div data-testid="check-result">
          <Alert tone={state.ok ? "green" : "red"}>{state.message}</Alert>
        </div>
      ) : null}
      {state.error ? <Alert tone="amber">{state.error}</Alert> : null}
    </form>
  );
}

export function HealthSettingsForm({ teamSlug, connectionId, settings }: { teamSlug: string; connectionId: string; settings: HealthSettingsView }) {
  const [state, action] = useActionState<FormState, FormData>(saveHealthSettingsAction.bind(null, teamSlug, connectionId), {});
  const errors = state.fieldErrors ?? {};
  const values = state.values ?? {};
  return (
    <form action={action} className="space-y-3" aria-label="Health check settings">
      {state.ok ? <Alert tone="green">{state.message}</Alert> : null}
      {state.error ? <Alert>{state.error}</Alert> : null}
      <div className="grid gap-3 sm:grid-cols-[8rem_1fr]">
        <SelectField id="health-method" name="method" label="Method" defaultValue={values.method ?? settings.method ?? "GET"} error={errors.method}>
          {TEST_METHODS.map((m) => (
            <option key={m}>{m}</option>
          ))}
        </SelectField>
        <Field id="health-path" name="path" label="Path" defaultValue={values.path ?? settings.path ?? ""} placeholder="/ (the base URL)" error={errors.path} autoComplete="off" />
      </div>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field id="health-expected" name="expectedStatuses" label="Expected statuses" defaultValue={values.expectedStatuses ?? settings.expectedStatuses} hint="e.g. 200-299,304" error={errors.expectedStatuses} autoComplete="off" />
        <Field id="health-interval" name="intervalMinutes" label="Every (minutes)" type="number" min={1} max={1440} defaultValue={values.intervalMinutes ?? String(settings.intervalMinutes)} error={errors.intervalMinutes} />
      </div>
      <label className="flex items-center gap-2 text-sm text-slate-800">
        <input type="checkbox" name="enabled" defaultChecked={values.enabled !== undefined ? values.enabled === "on" : settings.enabled} />
        Run on a schedule
      </label>
      <SubmitButton variant="secondary" pendingText="Saving…">
        Save check
      </SubmitButton>
    </form>
  );
}
