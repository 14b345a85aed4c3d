"use client";

import { useActionState, useState } from "react";
import { CopyField } from "@/components/copy-button";
import { ConfirmButton, Field, FieldFrame, SubmitButton, describedByOf, useSchemaForm } from "@/components/form";
import { Alert, buttonStyles, cx, inputStyles } from "@/components/ui";
import { TEAM_EVENT_LABEL, TEAM_EVENT_TYPES } from "@/lib/notifications/event-types";
import { CHANNEL_KIND_LABEL, CHANNEL_KINDS, channelFormInput, channelInputSchema, type ChannelKind } from "@/lib/notifications/schemas";
import type { FormState } from "@/lib/forms";
import { createChannelAction, deleteChannelAction, redeliverAction, testChannelAction, updateChannelAction } from "./actions";

export type ChannelDraft = { id: string; name: string; kind: ChannelKind; eventTypes: string[]; digest: boolean; emailTo: string[]; url: string | null; secretHint: string | null };

const KIND_HINT: Record<ChannelKind, string> = {
  EMAIL: "A message to the addresses you list.",
  SLACK: "A message in a Slack channel, through an incoming webhook.",
  WEBHOOK: "A signed JSON POST (Standard Webhooks) to your endpoint.",
};

/** The signing secret of an event webhook, shown this once. */
function SigningSecretShown({ secret, onDone }: { secret: string; onDone: () => void }) {
  return (
    <div className="space-y-3" data-testid="signing-secret">
      <Alert tone="green" title="Copy the signing secret now">
        Your endpoint verifies each delivery with it (the webhook-signature header, Standard Webhooks). Keyway keeps it encrypted and will not show it again; edit the channel to make a new one.
      </Alert>
      <CopyField label="Signing secret" value={secret} />
      <pre className="overflow-x-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100">
        {`// npm install standardwebhooks\nimport { Webhook } from "standardwebhooks";\nconst event = new Webhook(process.env.KEYWAY_WEBHOOK_SECRET).verify(rawBody, headers);`}
      </pre>
      <button type="button" className={buttonStyles.secondary} onClick={onDone}>
        Done, I have copied it
      </button>
    </div>
  );
}

export function ChannelForm({ teamSlug, mailReady, channel }: { teamSlug: string; mailReady: boolean; channel?: ChannelDraft }) {
  const serverAction = channel ? updateChannelAction.bind(null, teamSlug, channel.id) : createChannelAction.bind(null, teamSlug);
  const { state, action, errors, onSubmit } = useSchemaForm(channelInputSchema, serverAction, channelFormInput);
  const [kind, setKind] = useState<ChannelKind>(channel?.kind ?? ((state.values?.kind as ChannelKind | undefined) ?? (mailReady ? "EMAIL" : "WEBHOOK")));
  const [dismissed, setDismissed] = useState<string | null>(null);
  const secret = state.ok && state.result?.signingSecret && state.result.signingSecret !== dismissed ? state.result.signingSecret : null;
  if (secret) return <SigningSecretShown secret={secret} onDone={() => setDismissed(secret)} />;

  const idPrefix = channel ? `channel-${channel.id}` : "new-channel";
  const checked = new Set(state.values?.eventTypes !== undefined ? state.values.eventTypes.split(" ") : (channel?.eventTypes ?? ["connection.failing", "connection.recovered"]));
  const value = (name: string, fallback: string) => state.values?.[name] ?? fallback;
  return (
    // A new key after each added channel: React resets the form's fields after the action, and the kind's radios must follow `kind` again.
    // And no reset after a refused one (onReset): it would put the kind's controlled radios back to the first kind while `kind`, unchanged, shows another kind's fields; the typed fields stay as they were sent.
    <form
      key={state.result?.id ?? "form"}
      action={action}
      noValidate
      onSubmit={onSubmit}
      onReset={(event) => event.preventDefault()}
      className="space-y-4" aria-label={channel ? `Edit ${channel.name}` : "Add a channel"}>
      {state.error ? <Alert>{state.error}</Alert> : null}
      {state.ok && !channel ? <Alert tone="green">Channel “{state.result?.name}” added.</Alert> : null}
      {state.ok && channel && state.message ? <Alert tone="green">{state.message}</Alert> : null}
      {channel ? (
        <input type="hidden" name="kind" value={channel.kind} />
      ) : (
        <fieldset aria-describedby={errors.kind ? `${idPrefix}-kind-error` : undefined}>
          <legend className="text-sm font-medium text-slate-800">Kind</legend>
          <div className="mt-2 grid gap-2 sm:grid-cols-3">
            {CHANNEL_KINDS.map((option) => (
              <label key={option} className={cx("flex items-start gap-2 rounded-md border p-2 text-sm", kind === option ? "border-brand-600 bg-brand-50" : "border-slate-200")}>
                <input type="radio" name="kind" value={option} checked={kind === option} onChange={() => setKind(option)} className="mt-0.5" />
                <span>
                  <span className="font-medium text-slate-900">{CHANNEL_KIND_LABEL[option]}</span>
                  <span className="block text-xs text-slate-600">{KIND_HINT[option]}</span>
                </span>
              </label>
            ))}
          </div>
          {errors.kind ? (
            <p id={`${idPrefix}-kind-error`} className="mt-1 text-sm text-red-700">
              {errors.kind}
            </p>
          ) : null}
        </fieldset>
      )}
      <Field label="Name" id={`${idPrefix}-name`} name="name" defaultValue={value("name", channel?.name ?? "")} error={errors.name} hint="What it is for, e.g. “On-call email” or “Ops automation”." autoComplete="off" />

      {kind === "EMAIL" ? (
        <FieldFrame id={`${idPrefix}-emailTo`} label="Recipients" hint="Email addresses, separated by commas or new lines." error={errors.emailTo}>
          <textarea
            id={`${idPrefix}-emailTo`}
            name="emailTo"
            rows={2}
            defaultValue={value("emailTo", channel?.emailTo.join(", ") ?? "")}
            aria-invalid={errors.emailTo ? true : undefined}
            aria-describedby={describedByOf(`${idPrefix}-emailTo`, "hint", errors.emailTo)}
            className={inputStyles}
          />
        </FieldFrame>
      ) : null}
      {kind === "EMAIL" && !mailReady ? <Alert tone="amber">Email is not set up on this Keyway: an operator sets KEYWAY_SMTP_URL (and KEYWAY_MAIL_FROM) first.</Alert> : null}
      {kind === "SLACK" ? (
        <Field
          label="Slack incoming-webhook URL"
          id={`${idPrefix}-slackUrl`}
          name="slackUrl"
          type="password"
          autoComplete="off"
          error={errors.slackUrl}
          placeholder={channel?.kind === "SLACK" ? `Saved${channel.secretHint ? ` (ends in ${channel.secretHint})` : ""}; leave empty to keep it` : "https://hooks.slack.com/services/…"}
          hint="From Slack: Apps › Incoming Webhooks. It is a secret: stored encrypted and never shown again."
        />
      ) : null}
      {kind === "WEBHOOK" ? (
        <Field
          label="Endpoint URL"
          id={`${idPrefix}-url`}
          name="url"
          type="url"
          defaultValue={value("url", channel?.url ?? "")}
          error={errors.url}
          placeholder="https://example.com/keyway-events"
          hint="Keyway posts each event there, signed; a failed delivery is retried with back-off for a day."
        />
      ) : null}

      <fieldset aria-describedby={errors.eventTypes ? `${idPrefix}-events-error` : undefined}>
        <legend className="text-sm font-medium text-slate-800">Events</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {TEAM_EVENT_TYPES.map((type) => (
            <label key={type} className="flex items-start gap-2 rounded-md border border-slate-200 p-2 text-sm">
              <input type="checkbox" name="eventTypes" value={type} defaultChecked={checked.has(type)} className="mt-0.5" />
              <span>
                <span className="text-slate-900">{TEAM_EVENT_LABEL[type]}</span>
                <span className="block font-mono text-xs text-slate-600">{type}</span>
              </span>
            </label>
          ))}
        </div>
        {errors.eventTypes ? (
          <p id={`${idPrefix}-events-error`} className="mt-1 text-sm text-red-700">
            {errors.eventTypes}
          </p>
        ) : null}
      </fieldset>

      {kind !== "WEBHOOK" ? (
        <label className="flex items-start gap-2 text-sm">
          <input type="checkbox" name="digest" defaultChecked={channel?.digest ?? false} className="mt-0.5" />
          <span>
            <span className="text-slate-900">Daily digest</span>
            <span className="block text-xs text-slate-600">One message a day (08:00 UTC) listing the day&apos;s events, instead of one message per event.</span>
          </span>
        </label>
      ) : null}
      {channel?.kind === "WEBHOOK" ? (
        <label className="flex items-start gap-2 text-sm">
          <input type="checkbox" name="rollSecret" className="mt-0.5" />
          <span>
            <span className="text-slate-900">Make a new signing secret</span>
            <span className="block text-xs text-slate-600">The old one stops working at once; shown once after saving.</span>
          </span>
        </label>
      ) : null}
      <SubmitButton pendingText="Saving…">{channel ? "Save channel" : "Add channel"}</SubmitButton>
    </form>
  );
}

/** A one-click action with its outcome next to it (send a test event, redeliver). */
export function InlineAction({ label, pendingText, action, fields }: { label: string; pendingText: string; action: (previous: FormState, data: FormData) => Promise<FormState>; fields: Record<string, string> }) {
  const [state, formAction] = useActionState<FormState, FormData>(action, {});
  return (
    <form action={formAction} className="flex flex-wrap items-center gap-2">
      {Object.entries(fields).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={value} />
      ))}
      <SubmitButton variant="secondary" pendingText={pendingText}>
        {label}
      </SubmitButton>
      {state.error ? (
        <span role="alert" className="text-sm text-red-700">
          {state.error}
        </span>
      ) : null}
      {state.ok && state.message ? (
        <span role="status" className="text-sm text-emerald-800">
          {state.message}
        </span>
      ) : null}
    </form>
  );
}

export function SendTestButton({ teamSlug, channelId }: { teamSlug: string; channelId: string }) {
  return <InlineAction label="Send test event" pendingText="Sending…" action={testChannelAction.bind(null, teamSlug)} fields={{ channelId }} />;
}

export function RedeliverButton({ teamSlug, channelId, deliveryId }: { teamSlug: string; channelId: string; deliveryId: string }) {
  return <InlineAction label="Redeliver" pendingText="Queuing…" action={redeliverAction.bind(null, teamSlug)} fields={{ channelId, deliveryId }} />;
}

export function DeleteChannelButton({ teamSlug, channelId, name }: { teamSlug: string; channelId: string; name: string }) {
  const remove = (previous: FormState, data: FormData) => {
    data.set("channelId", channelId);
    return deleteChannelAction(teamSlug, previous, data);
  };
  return <ConfirmButton label="Delete" question={`Delete “${name}”? It gets no more events, and its delivery log goes with it.`} confirmLabel="Delete channel" pendingText="Deleting…" action={remove} />;
}
