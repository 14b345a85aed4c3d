"use client";

import { useState } from "react";
import { CopyField } from "@/components/copy-button";
import { ConfirmButton, Field, SelectField, SubmitButton, useSchemaForm } from "@/components/form";
import { Alert, buttonStyles } from "@/components/ui";
import { API_KEY_EXPIRY_CHOICES, apiKeyCreateSchema } from "@/lib/api-keys/schemas";
import type { FormState } from "@/lib/forms";
import { createApiKeyAction, revokeApiKeyAction } from "./actions";

export function CreateApiKeyForm({ teamSlug, proxyBase }: { teamSlug: string; proxyBase: string }) {
  const { state, action, errors, onSubmit } = useSchemaForm(apiKeyCreateSchema, createApiKeyAction.bind(null, teamSlug));
  const [dismissed, setDismissed] = useState<string | null>(null);
  const created = state.ok && state.result?.key && state.result.key !== dismissed ? state.result : null;

  if (created) {
    const expires = created.expiresAt ? `It expires ${new Date(created.expiresAt).toUTCString()}.` : "It does not expire; revoke it when the service no longer needs it.";
    return (
      <div className="space-y-4">
        <Alert tone="green" title={`API key “${created.name}” created`}>
          Copy it now and put it in the service&apos;s secret store: Keyway keeps only a hash of it and will never show it again. {expires}
        </Alert>
        <CopyField label="API key" value={created.key!} />
        <div>
          <p className="text-sm font-medium text-slate-800">Use it like this</p>
          <pre className="mt-1 overflow-x-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100">
            {`curl -H "Authorization: Bearer ${created.key}" \\\n  ${proxyBase}/<connection id>/<path>`}
          </pre>
        </div>
        <button type="button" className={buttonStyles.secondary} onClick={() => setDismissed(created.key!)}>
          Done, I have copied it
        </button>
      </div>
    );
  }

  return (
    <form action={action} noValidate onSubmit={onSubmit} className="grid gap-4 sm:grid-cols-[minmax(0,2fr)_minmax(0,1fr)_auto] sm:items-start">
      {state.error ? <Alert>{state.error}</Alert> : null}
      <Field label="Name" name="name" defaultValue={state.values?.name} error={errors.name} hint="The service that will use it, e.g. “billing worker (production)”." autoComplete="off" />
      <SelectField label="Expires" id="api-key-expires" name="expiresIn" defaultValue={state.values?.expiresIn ?? "90"} error={errors.expiresIn}>
        {API_KEY_EXPIRY_CHOICES.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.label}
          </option>
        ))}
      </SelectField>
      <div className="sm:pt-6">
        <SubmitButton pendingText="Creating…">Create API key</SubmitButton>
      </div>
    </form>
  );
}

export function RevokeApiKeyButton({ teamSlug, apiKeyId, name }: { teamSlug: string; apiKeyId: string; name: string }) {
  const revoke = (previous: FormState, data: FormData) => {
    data.set("apiKeyId", apiKeyId);
    return revokeApiKeyAction(teamSlug, previous, data);
  };
  return <ConfirmButton label="Revoke" question={`Revoke “${name}”? Services using it are refused from their next request.`} confirmLabel="Revoke key" pendingText="Revoking…" action={revoke} />;
}
