import { Card } from "@/components/ui";
import { CodeBlock, CopyField } from "@/components/copy-button";
import { publicUrl } from "@/lib/config";
import { findWebhookEvent, listWebhookEvents } from "@/lib/webhooks/events";
import { MAX_WEBHOOK_BODY_BYTES } from "@/lib/webhooks/limits";
import { webhookSigning } from "@/lib/webhooks/signing";
import { WebhookEvents } from "./webhook-events";
import { WebhookSigningForm } from "./webhook-signing-form";

// The webhook parts of a type None connection's page: its URL, its signing
// settings, and the events it received (server-rendered, then kept up to date
// by the client component).

export function webhookUrl(token: string): string {
  return `${publicUrl()}/api/hooks/${token}`;
}

export function WebhookUrlCard({ token }: { token: string }) {
  const url = webhookUrl(token);
  return (
    <Card title="Webhook URL" description="Apps POST events to this address; Keyway stores them and lists them below.">
      <CopyField label="Webhook URL" value={url} />
      <p className="mt-3 text-sm font-medium text-slate-800">Try it</p>
      <CodeBlock value={`curl -X POST -H 'Content-Type: application/json' -d '{"hello":"world"}' ${url}`} label="Copy command" wrap className="mt-1" data-testid="webhook-curl" />
      <p className="mt-3 text-xs text-slate-600">
        Bodies up to {MAX_WEBHOOK_BODY_BYTES / (1024 * 1024)} MB are accepted (202); larger ones get 413. Anyone with this URL can post to it: set a signing secret to accept only signed events.
      </p>
    </Card>
  );
}

export async function WebhookSigningCard({ teamId, teamSlug, connectionId, canEdit }: { teamId: string; teamSlug: string; connectionId: string; canEdit: boolean }) {
  const signing = await webhookSigning(teamId, connectionId);
  if (!signing) return null;
  return (
    <Card title="Signature verification" description="With a secret set, Keyway checks an HMAC-SHA256 of the raw body and refuses events without a valid signature (401).">
      <WebhookSigningForm teamSlug={teamSlug} connectionId={connectionId} signing={signing} canEdit={canEdit} />
    </Card>
  );
}

export async function WebhookEventsCard({ teamId, teamSlug, connectionId, selectedEventId }: { teamId: string; teamSlug: string; connectionId: string; selectedEventId?: string }) {
  const page = await listWebhookEvents(teamId, connectionId);
  if (!page) return null;
  const chosen = selectedEventId ?? page.events[0]?.id;
  const detail = chosen ? await findWebhookEvent(teamId, connectionId, chosen) : null;
  return (
    <Card title="Events" description="What apps posted to the webhook URL, newest first.">
      <WebhookEvents eventsUrl={`/t/${teamSlug}/connections/${connectionId}/events`} initial={page} initialDetail={detail} />
    </Card>
  );
}
