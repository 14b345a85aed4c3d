import type { Metadata } from "next";
import { Alert, Badge, Card, EmptyState, PageHeader, formatDateTime } from "@/components/ui";
import { Disclosure } from "@/components/disclosure";
import { ListIcon } from "@/components/icons";
import { requireMember } from "@/lib/access";
import { listChannels, listDeliveries, mailConfigured, MAX_ATTEMPTS, type ChannelView, type DeliveryRow } from "@/lib/notifications";
import { TEAM_EVENT_LABEL, type TeamEventType } from "@/lib/notifications/event-types";
import { CHANNEL_KIND_LABEL } from "@/lib/notifications/schemas";
import { ChannelForm, DeleteChannelButton, RedeliverButton, SendTestButton } from "./channel-forms";

export const metadata: Metadata = { title: "Notifications" };

const STATE_BADGE: Record<string, { tone: "green" | "amber" | "red" | "slate" | "brand"; label: string }> = {
  pending: { tone: "brand", label: "Sending" },
  retrying: { tone: "amber", label: "Retrying" },
  delivered: { tone: "green", label: "Delivered" },
  failed: { tone: "red", label: "Failed" },
  digest: { tone: "slate", label: "In today's digest" },
};

function target(channel: ChannelView): string {
  if (channel.kind === "EMAIL") return channel.emailTo.join(", ");
  if (channel.kind === "SLACK") return channel.secretHint ? `Slack incoming webhook …${channel.secretHint}` : "Slack incoming webhook";
  return channel.url ?? "";
}

function eventName(type: string): string {
  return type === "keyway.test" ? "Test event" : (TEAM_EVENT_LABEL[type as TeamEventType] ?? type);
}

function DeliveryLog({ slug, channel, deliveries }: { slug: string; channel: ChannelView; deliveries: DeliveryRow[] }) {
  if (deliveries.length === 0) return <p className="text-sm text-slate-600">No deliveries yet. Send a test event to see one.</p>;
  return (
    <ul className="divide-y divide-slate-200 rounded-md border border-slate-200" aria-label={`Deliveries of ${channel.name}`}>
      {deliveries.map((delivery) => {
        const badge = STATE_BADGE[delivery.state] ?? { tone: "slate" as const, label: delivery.state };
        return (
          <li key={delivery.id} className="space-y-1 p-3 text-sm" data-testid="delivery">
            <div className="flex flex-wrap items-center justify-between gap-2">
              <p className="flex min-w-0 flex-wrap items-center gap-2">
                <Badge tone={badge.tone}>{badge.label}</Badge>
                <span className="font-medium text-slate-900">{eventName(delivery.eventType)}</span>
                <span className="font-mono text-xs text-slate-600">{delivery.eventId}</span>
              </p>
              {delivery.state !== "digest" && delivery.state !== "pending" ? <RedeliverButton teamSlug={slug} channelId={channel.id} deliveryId={delivery.id} /> : null}
            </div>
            <p className="text-slate-800">{delivery.summary}</p>
            <p className="text-xs text-slate-600">
              {delivery.lastAttemptAt ? `Last attempt ${formatDateTime(delivery.lastAttemptAt)}` : `Queued ${formatDateTime(delivery.createdAt)}`}
              {delivery.attempts > 0 ? ` · attempt ${delivery.attempts} of ${MAX_ATTEMPTS}` : ""}
              {delivery.responseStatus !== null ? ` · answered ${delivery.responseStatus}` : ""}
              {delivery.durationMs !== null ? ` · ${delivery.durationMs} ms` : ""}
            </p>
            {delivery.errorMessage ? <p className="text-xs text-red-700">{delivery.errorMessage}</p> : null}
            {delivery.responseExcerpt ? (
              <pre className="max-h-24 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-50 p-2 font-mono text-xs text-slate-700" data-testid="delivery-excerpt">
                {delivery.responseExcerpt}
              </pre>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

export default async function NotificationsPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { team } = await requireMember(slug, "ADMIN");
  const channels = await listChannels(team.id);
  const deliveries = await Promise.all(channels.map((channel) => listDeliveries(team.id, channel.id)));
  const mailReady = mailConfigured();
  return (
    <>
      <PageHeader
        title="Notifications"
        description={<>Where {team.name} hears about connections that start failing or recover, certificates and secrets about to expire, and agents that go offline: one message per change, never one per failed check. Only admins see this page.</>}
      />
      <div className="space-y-6">
        {!mailReady ? (
          <Alert tone="amber" title="Email is not set up">
            This Keyway has no mail server, so email channels cannot be added (and invitations are links only). An operator sets KEYWAY_SMTP_URL, e.g. smtp://user:password@mail.example.com:587, and KEYWAY_MAIL_FROM.
          </Alert>
        ) : null}
        <Card title="Add a channel" description="Each channel chooses the events it gets.">
          <ChannelForm teamSlug={slug} mailReady={mailReady} />
        </Card>

        {channels.length === 0 ? (
          <EmptyState icon={<ListIcon />} title="No channels yet">
            <p>Until a channel is added, events are only shown on the pages of the connections and agents they concern.</p>
          </EmptyState>
        ) : (
          channels.map((channel, index) => (
            <section key={channel.id} aria-label={channel.name} className="rounded-lg border border-slate-200 bg-white p-4 shadow-sm sm:p-6" data-testid="channel">
              <div className="flex flex-col gap-3 sm:flex-row sm:items-start sm:justify-between">
                <div className="min-w-0 space-y-1">
                  <h2 className="flex flex-wrap items-center gap-2 text-base font-semibold text-slate-900">
                    <span className="truncate">{channel.name}</span>
                    <Badge tone="brand">{CHANNEL_KIND_LABEL[channel.kind]}</Badge>
                    {channel.digest ? <Badge>Daily digest</Badge> : null}
                  </h2>
                  <p className="break-all text-sm text-slate-700">{target(channel)}</p>
                  <p className="text-xs text-slate-600">{channel.eventTypes.map((type) => eventName(type)).join(" · ")}</p>
                </div>
                <div className="flex flex-wrap items-start gap-2">
                  <SendTestButton teamSlug={slug} channelId={channel.id} />
                  <DeleteChannelButton teamSlug={slug} channelId={channel.id} name={channel.name} />
                </div>
              </div>
              <Disclosure summary={<span className="text-sm font-medium text-brand-700 underline">Edit</span>} className="mt-3">
                <div className="mt-3 rounded-md border border-slate-200 p-3">
                  <ChannelForm
                    teamSlug={slug}
                    mailReady={mailReady}
                    channel={{ id: channel.id, name: channel.name, kind: channel.kind, eventTypes: channel.eventTypes, digest: channel.digest, emailTo: channel.emailTo, url: channel.url, secretHint: channel.secretHint }}
                  />
                </div>
              </Disclosure>
              <h3 className="mt-4 mb-2 text-sm font-medium text-slate-800">Delivery log</h3>
              <DeliveryLog slug={slug} channel={channel} deliveries={deliveries[index]!} />
            </section>
          ))
        )}
      </div>
    </>
  );
}
