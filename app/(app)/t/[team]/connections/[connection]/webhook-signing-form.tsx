"use client";

import { useState, type ReactNode } from "react";
import { Field, SelectField, SubmitButton, useSchemaForm } from "@/components/form";
import { Alert } from "@/components/ui";
import { SIGNATURE_SCHEME_LABEL, SIGNATURE_SCHEMES, TIMESTAMPED_SCHEMES, type SignatureScheme } from "@/lib/webhooks/limits";
import { webhookSigningSchema } from "@/lib/webhooks/schemas";
import type { WebhookSigningView } from "@/lib/webhooks/signing";
import { saveWebhookSigningAction } from "./webhook-actions";

function secretState(signing: WebhookSigningView): string {
  if (!signing.secretSet) return "Not set, so events are stored without a signature check.";
  return signing.secretLastFour ? `Set, ends in ${signing.secretLastFour}.` : "Set.";
}

/** The signing settings as a form (members) or as text (viewers). The saved secret never comes back to the browser. */
export function WebhookSigningForm({ teamSlug, connectionId, signing, canEdit }: { teamSlug: string; connectionId: string; signing: WebhookSigningView; canEdit: boolean }) {
  const { state, action, errors, onSubmit } = useSchemaForm(webhookSigningSchema, saveWebhookSigningAction.bind(null, teamSlug, connectionId));
  const values = state.values ?? {};
  const [scheme, setScheme] = useState<SignatureScheme>(((values.scheme ?? signing.scheme) as SignatureScheme) || "custom");
  if (!canEdit) {
    return (
      <dl className="divide-y divide-slate-100 text-sm">
        <Row label="Secret">{secretState(signing)}</Row>
        <Row label="Scheme">{SIGNATURE_SCHEME_LABEL[signing.scheme as SignatureScheme] ?? signing.scheme}</Row>
        {TIMESTAMPED_SCHEMES.includes(signing.scheme as SignatureScheme) ? <Row label="Replay window">{signing.toleranceSeconds} s</Row> : null}
        <Row label="Header">
          <span className="font-mono">{signing.signatureHeader}</span>
        </Row>
        <Row label="Encoding">{signing.encoding}</Row>
        <Row label="Prefix">{signing.prefix ? <span className="font-mono">{signing.prefix}</span> : "none"}</Row>
      </dl>
    );
  }
  return (
    <form action={action} onSubmit={onSubmit} noValidate className="space-y-4">
      {state.ok ? <Alert tone="green">{state.message}</Alert> : null}
      {state.error ? <Alert>{state.error}</Alert> : null}
      <p className="text-sm text-slate-700" data-testid="webhook-secret-state">
        <span className="font-medium text-slate-800">Secret: </span>
        {secretState(signing)}
      </p>
      <Field
        label={signing.secretSet ? "New signing secret" : "Signing secret"}
        name="secret"
        type="password"
        autoComplete="new-password"
        error={errors.secret}
        hint={signing.secretSet ? "Leave empty to keep the saved secret." : "The secret the sending app signs with. Leave empty to accept events unsigned."}
      />
      {signing.secretSet ? (
        <label className="flex items-center gap-2 text-sm text-slate-800">
          <input type="checkbox" name="clearSecret" className="h-4 w-4 rounded border-slate-300" />
          Remove the saved secret (stop checking)
        </label>
      ) : null}
      <SelectField
        label="Signed by"
        id="webhook-scheme"
        name="scheme"
        value={scheme}
        onChange={(event) => setScheme(event.target.value as SignatureScheme)}
        error={errors.scheme}
        hint="A preset checks the sender's own headers; a timestamped one (Standard Webhooks, Stripe, Slack) also refuses replays."
      >
        {SIGNATURE_SCHEMES.map((option) => (
          <option key={option} value={option}>
            {SIGNATURE_SCHEME_LABEL[option]}
          </option>
        ))}
      </SelectField>
      {TIMESTAMPED_SCHEMES.includes(scheme) ? (
        <Field
          label="Replay window (seconds)"
          name="toleranceSeconds"
          inputMode="numeric"
          defaultValue={values.toleranceSeconds ?? String(signing.toleranceSeconds)}
          error={errors.toleranceSeconds}
          hint="Events signed longer ago (or further ahead) than this are refused."
        />
      ) : (
        <input type="hidden" name="toleranceSeconds" value={values.toleranceSeconds ?? String(signing.toleranceSeconds)} />
      )}
      {/* Kept in the form for every scheme (the saved custom settings stay), shown for the custom one. */}
      <div className={scheme === "custom" ? "space-y-4" : "hidden"}>
        <Field
          label="Signature header"
          name="signatureHeader"
          defaultValue={values.signatureHeader ?? signing.signatureHeader}
          error={errors.signatureHeader}
          autoComplete="off"
          spellCheck={false}
          hint="GitHub sends X-Hub-Signature-256."
        />
        <div className="grid grid-cols-2 gap-4">
          <SelectField label="Encoding" id="webhook-encoding" name="encoding" defaultValue={values.encoding ?? signing.encoding} error={errors.encoding} hint="Of the digest.">
            <option value="hex">hex</option>
            <option value="base64">base64</option>
          </SelectField>
          <Field label="Prefix" name="prefix" defaultValue={values.prefix ?? signing.prefix} error={errors.prefix} autoComplete="off" spellCheck={false} hint="May be empty." />
        </div>
      </div>
      <SubmitButton pendingText="Saving…">Save signature settings</SubmitButton>
    </form>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex justify-between gap-2 py-2">
      <dt className="text-slate-600">{label}</dt>
      <dd className="text-right text-slate-800">{children}</dd>
    </div>
  );
}
