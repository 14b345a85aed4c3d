import { Card } from "@/components/ui";
import { CopyField } from "@/components/copy-button";
import { DeliveryLog } from "@/components/delivery-log";
import { MAX_ATTEMPTS } from "@/lib/notifications/deliver";
import { listForwards, webhookForward } from "@/lib/webhooks/forward";
import { WebhookForwardForm, RedeliverForwardButton } from "./webhook-forward-form";
import { publicUrl } from "@/lib/config";
import { findWebhookEvent, listWebhookEvents } from "@/lib/webhooks/events";
import { MAX_WEBHOOK_BODY_BYTES } from "@/lib/webhooks/limits";
import { webhookSigning } from "@/lib/webhooks/signing";
import { WebhookEvents } from "./webhook-events";
import { WebhookSigningForm } from "./webhook-signing-form";

// A webhook receiver's page: its URL, its signing settings, the events it
// received (server-rendered, then kept up to date by the client component),
// and where it forwards them.

export function webhookUrl(token: string): string {
  return `${publicUrl()}/api/hooks/${token}`;
}

export function WebhookUrlCard({ token }: { token: string }) {
  const url = webhookUrl(token);
  return (
    <Card title="Webhook URL" description="Apps POST events to this address; Keyway stores them and lists them below.">
      <CopyField label="Webhook URL" value={url} />
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

export async function WebhookEventsCard({ teamId, teamSlug, connectionId, token, selectedEventId }: { teamId: string; teamSlug: string; connectionId: string; token: string; selectedEventId?: string }) {
  const page = await listWebhookEvents(teamId, connectionId);
  if (!page) return null;
  const chosen = selectedEventId ?? page.events[0]?.id;
  const detail = chosen ? await findWebhookEvent(teamId, connectionId, chosen, { raw: true }) : null;
  return (
    <Card title="Events" description="What apps posted to the webhook URL, newest first.">
      <WebhookEvents eventsUrl={`/t/${teamSlug}/connections/${connectionId}/events`} receiverUrl={webhookUrl(token)} initial={page} initialDetail={detail} />
    </Card>
  );
}

export async function WebhookForwardCard({ teamId, teamSlug, connectionId, canEdit }: { teamId: string; teamSlug: string; connectionId: string; canEdit: boolean }) {
  const forward = await webhookForward(teamId, connectionId);
  if (!forward) return null;
  const forwards = await listForwards(teamId, connectionId);
  return (
    <Card
      title="Forwarding"
      description="Each accepted event is sent on to this URL, with the sender's headers and body, after the sender got its 202. A failed forward is retried with back-off for about a day."
    >
      <WebhookForwardForm teamSlug={teamSlug} connectionId={connectionId} url={forward.url} canEdit={canEdit} />
      <h3 className="mt-5 mb-2 text-sm font-medium text-slate-900">Delivery log</h3>
      <DeliveryLog
        deliveries={forwards}
        label="Forwards"
        maxAttempts={MAX_ATTEMPTS}
        empty={forward.url ? "No forwards yet: the next event is forwarded." : "Nothing forwarded."}
        eventName={() => "Event"}
        redeliver={canEdit ? (delivery) => <RedeliverForwardButton teamSlug={teamSlug} connectionId={connectionId} deliveryId={delivery.id} /> : undefined}
      />
    </Card>
  );
}
