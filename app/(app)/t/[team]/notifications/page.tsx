import type { Metadata } from "next";
import { Alert, Badge, Card, EmptyState, PageHeader } from "@/components/ui";
import { Disclosure } from "@/components/disclosure";
import { ListIcon } from "@/components/icons";
import { requireMember } from "@/lib/access";
import { listChannels, listDeliveries, mailConfigured, MAX_ATTEMPTS, type ChannelView, type DeliveryRow } from "@/lib/notifications";
import { TEAM_EVENT_LABEL, type TeamEventType } from "@/lib/notifications/event-types";
import { CHANNEL_KIND_LABEL } from "@/lib/notifications/schemas";
import { DeliveryLog } from "@/components/delivery-log";
import { ChannelForm, DeleteChannelButton, RedeliverButton, SendTestButton } from "./channel-forms";

export const metadata: Metadata = { title: "Notifications" };

function target(channel: ChannelView): string {
  if (channel.kind === "EMAIL") return channel.emailTo.join(", ");
  if (channel.kind === "SLACK") return channel.secretHint ? `Slack incoming webhook …${channel.secretHint}` : "Slack incoming webhook";
  return channel.url ?? "";
}

function eventName(type: string): string {
  return type === "keyway.test" ? "Test event" : (TEAM_EVENT_LABEL[type as TeamEventType] ?? type);
}

function ChannelDeliveryLog({ slug, channel, deliveries }: { slug: string; channel: ChannelView; deliveries: DeliveryRow[] }) {
  return (
    <DeliveryLog
      deliveries={deliveries}
      label={`Deliveries of ${channel.name}`}
      maxAttempts={MAX_ATTEMPTS}
      empty="No deliveries yet. Send a test event to see one."
      eventName={eventName}
      redeliver={(delivery) => <RedeliverButton teamSlug={slug} channelId={channel.id} deliveryId={delivery.id} />}
    />
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
              <ChannelDeliveryLog slug={slug} channel={channel} deliveries={deliveries[index]!} />
            </section>
          ))
        )}
      </div>
    </>
  );
}
