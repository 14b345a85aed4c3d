"use client";

import { useState } from "react";
import { LiveTime } from "@/components/live-time";
import { CodeBlock, CopyField } from "@/components/copy-button";
import { ConfirmButton, Field, SelectField, SubmitButton, useSchemaForm } from "@/components/form";
import { Alert, buttonStyles } from "@/components/ui";
import { API_KEY_EXPIRY_CHOICES, apiKeyCreateSchema, apiKeyFormInput } from "@/lib/api-keys/schemas";
import { API_KEY_SCOPE_LABEL, API_KEY_SCOPES } from "@/lib/api-keys/scopes";
import type { FormState } from "@/lib/forms";
import { createApiKeyAction, revokeApiKeyAction } from "./actions";

export function CreateApiKeyForm({ teamSlug, proxyBase, apiBase }: { teamSlug: string; proxyBase: string; apiBase: string }) {
  const { state, action, errors, onSubmit } = useSchemaForm(apiKeyCreateSchema, createApiKeyAction.bind(null, teamSlug), apiKeyFormInput);
  const checkedScopes = new Set((state.values?.scopes ?? "proxy").split(" "));
  const [dismissed, setDismissed] = useState<string | null>(null);
  const created = state.ok && state.result?.key && state.result.key !== dismissed ? state.result : null;

  if (created) {
    const expires = created.expiresAt ? <>It expires <LiveTime date={created.expiresAt} />.</> : "It does not expire; revoke it when the service no longer needs it.";
    return (
      <div className="space-y-4">
        <Alert tone="green" title={`API key “${created.name}” created`}>
          Copy it now and put it in the service&apos;s secret store: Keyway keeps only a hash of it and will never show it again. {expires}
        </Alert>
        <CopyField label="API key" value={created.key!} />
        <p className="text-sm text-slate-700">Scopes: {created.scopes?.split(" ").join(", ")}</p>
        <div>
          <p className="text-sm font-medium text-slate-800">Use it like this</p>
          <CodeBlock
            label="Copy example"
            className="mt-1"
            value={
              created.scopes?.split(" ").includes("proxy")
                ? `curl -H "Authorization: Bearer ${created.key}" \\\n  ${proxyBase}/<connection id>/<path>`
                : `curl -H "Authorization: Bearer ${created.key}" \\\n  ${apiBase}/connections`
            }
          />
        </div>
        <button type="button" className={buttonStyles.secondary} onClick={() => setDismissed(created.key!)}>
          Done, I have copied it
        </button>
      </div>
    );
  }

  return (
    <form action={action} noValidate onSubmit={onSubmit} className="space-y-4">
      {state.error ? <Alert>{state.error}</Alert> : null}
      <div className="grid gap-4 sm:grid-cols-[minmax(0,2fr)_minmax(0,1fr)] sm:items-start">
        <Field label="Name" name="name" defaultValue={state.values?.name} error={errors.name} hint="The service that will use it, e.g. “billing worker (production)”." autoComplete="off" />
        <SelectField label="Expires" id="api-key-expires" name="expiresIn" defaultValue={state.values?.expiresIn ?? "90"} error={errors.expiresIn}>
          {API_KEY_EXPIRY_CHOICES.map((choice) => (
            <option key={choice.value} value={choice.value}>
              {choice.label}
            </option>
          ))}
        </SelectField>
      </div>
      <fieldset aria-describedby={errors.scopes ? "api-key-scopes-error" : undefined}>
        <legend className="text-sm font-medium text-slate-800">Scopes</legend>
        <p className="text-xs text-slate-600">What the key may do. Give a service only what it needs.</p>
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {API_KEY_SCOPES.map((scope) => (
            <label key={scope} className="flex items-start gap-2 rounded-md border border-slate-200 p-2 text-sm">
              <input type="checkbox" name="scopes" value={scope} defaultChecked={checkedScopes.has(scope)} className="mt-0.5" />
              <span>
                <span className="font-mono text-xs font-medium text-slate-900">{scope}</span>
                <span className="block text-xs text-slate-600">{API_KEY_SCOPE_LABEL[scope]}</span>
              </span>
            </label>
          ))}
        </div>
        {errors.scopes ? (
          <p id="api-key-scopes-error" className="mt-1 text-sm text-red-700">
            {errors.scopes}
          </p>
        ) : null}
      </fieldset>
      <SubmitButton pendingText="Creating…">Create API key</SubmitButton>
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
