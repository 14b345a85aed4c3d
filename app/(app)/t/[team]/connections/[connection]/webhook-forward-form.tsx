"use client";

import { Field, SubmitButton, useSchemaForm } from "@/components/form";
import { Alert } from "@/components/ui";
import { webhookForwardSchema } from "@/lib/webhooks/schemas";
import { InlineAction } from "../../notifications/channel-forms";
import { redeliverForwardAction, saveWebhookForwardAction } from "./webhook-actions";

/** Where the receiver forwards its events (members), or the URL as text (viewers). */
export function WebhookForwardForm({ teamSlug, connectionId, url, canEdit }: { teamSlug: string; connectionId: string; url: string | null; canEdit: boolean }) {
  const { state, action, errors, onSubmit } = useSchemaForm(webhookForwardSchema, saveWebhookForwardAction.bind(null, teamSlug, connectionId));
  if (!canEdit) {
    return <p className="text-sm text-slate-700">{url ? <span className="[overflow-wrap:anywhere] font-mono">{url}</span> : "Events are not forwarded."}</p>;
  }
  return (
    <form action={action} onSubmit={onSubmit} noValidate className="space-y-3">
      {state.ok ? <Alert tone="green">{state.message}</Alert> : null}
      {state.error ? <Alert>{state.error}</Alert> : null}
      <Field
        label="Forward URL"
        name="url"
        type="url"
        inputMode="url"
        autoComplete="off"
        defaultValue={state.values?.url ?? url ?? ""}
        placeholder="https://hooks.example.com/incoming"
        error={errors.url}
        hint="Leave empty to stop forwarding. Outbound safety applies: private and loopback addresses are refused unless KEYWAY_OUTBOUND_ALLOW allows them."
      />
      <SubmitButton pendingText="Saving…">Save forward URL</SubmitButton>
    </form>
  );
}

export function RedeliverForwardButton({ teamSlug, connectionId, deliveryId }: { teamSlug: string; connectionId: string; deliveryId: string }) {
  return <InlineAction label="Redeliver" pendingText="Queuing…" action={redeliverForwardAction.bind(null, teamSlug, connectionId)} fields={{ deliveryId }} />;
}
