import { z } from "zod";
import { createChannel, deleteChannel, getChannel, listChannels, listDeliveries, redeliver, sendTestEvent, updateChannel, channelNotFound, type ChannelView } from "../../notifications";
import { CHANNEL_KINDS, channelInputSchema } from "../../notifications/schemas";
import { TEAM_EVENT_TYPES } from "../../notifications/event-types";
import { etagOf, ifMatch } from "../etag";
import { afterCursor, cursorSchema, keysetPage, limitSchema, pageSchema } from "../pagination";
import { route, type ApiAnswer } from "../route";

// Notification channels: what the Notifications page does (admins), through
// the same lib functions and the channel form's schema. Secrets are write-only:
// a Slack URL never comes back (its last four characters at most), and an event
// webhook's Standard Webhooks signing secret is in the answer that made it
// (create, or an update that rolls it), never in a read.

const TAG = "Notifications";
const timestamp = z.iso.datetime();
const notFound = { description: "No such channel in the key's team (also for another team's)." };
const withEtag = { ETag: "The version to send back in If-Match." };
const changedSince = { description: "Changed since the ETag in If-Match." };
const invalid = { description: "The request is not valid: each problem names its field." };

const channelSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.enum(CHANNEL_KINDS),
    eventTypes: z.array(z.enum(TEAM_EVENT_TYPES)),
    digest: z.boolean().meta({ description: "Email and Slack: the day's events in one message at 08:00 UTC instead of one message each." }),
    emailTo: z.array(z.string()).meta({ description: "Email: the addresses." }),
    url: z.string().nullable().meta({ description: "Event webhook: the endpoint (not secret). Null for the other kinds: a Slack URL is a credential and never shown." }),
    secretSet: z.boolean().meta({ description: "Slack: the incoming-webhook URL is set; event webhook: a signing secret is set. Never their values." }),
    slackUrlLastFour: z.string().nullable().meta({ description: "Slack: the last four characters of the saved URL, to tell it apart." }),
    createdByLabel: z.string(),
    createdAt: timestamp,
    updatedAt: timestamp,
  })
  .meta({ id: "NotificationChannel" });

const signingSecretField = z.string().meta({ description: "Event webhook: the Standard Webhooks signing secret (whsec_…), in this answer only; Keyway never shows it again." });

const channelWriteSchema = z
  .intersection(channelInputSchema, z.object({ rollSecret: z.boolean().optional().meta({ description: "Event webhook: replace the signing secret; the new one is in the answer, once." }) }))
  .meta({ id: "NotificationChannelInput" });

const deliverySchema = z
  .object({
    id: z.string(),
    eventId: z.string().meta({ description: "The event's id: an event webhook's webhook-id, the same on every retry and redelivery." }),
    eventType: z.string(),
    summary: z.string(),
    state: z.enum(["pending", "retrying", "delivered", "failed", "digest"]),
    attempts: z.number().int(),
    createdAt: timestamp,
    lastAttemptAt: timestamp.nullable(),
    deliveredAt: timestamp.nullable(),
    responseStatus: z.number().int().nullable(),
    durationMs: z.number().int().nullable(),
    responseExcerpt: z.string().nullable().meta({ description: "The start of the endpoint's answer (secrets removed)." }),
    errorMessage: z.string().nullable(),
  })
  .meta({ id: "NotificationDelivery" });

function channelBody(channel: ChannelView) {
  return {
    id: channel.id,
    name: channel.name,
    kind: channel.kind,
    eventTypes: channel.eventTypes,
    digest: channel.digest,
    emailTo: channel.emailTo,
    url: channel.kind === "WEBHOOK" ? channel.url : null,
    secretSet: channel.secretSet,
    slackUrlLastFour: channel.kind === "SLACK" ? channel.secretHint : null,
    createdByLabel: channel.createdByLabel,
    createdAt: channel.createdAt,
    updatedAt: channel.updatedAt,
  } satisfies Record<keyof z.infer<typeof channelSchema>, unknown>;
}

async function channelAnswer(status: number, teamId: string, id: string, extra: { signingSecret?: string | null; headers?: Record<string, string> } = {}): Promise<ApiAnswer> {
  const channel = await getChannel(teamId, id);
  if (!channel) throw channelNotFound();
  return {
    status,
    body: { ...channelBody(channel), ...(extra.signingSecret ? { signingSecret: extra.signingSecret } : {}) },
    headers: { ...extra.headers, etag: etagOf(channel.updatedAt) },
  };
}

export const notificationRoutes = [
  route({
    method: "GET",
    path: "/notification-channels",
    operationId: "listNotificationChannels",
    summary: "List notification channels",
    description: "Oldest first, as the Notifications page lists them (a team has few).",
    tag: TAG,
    scope: "admin",
    responses: { 200: { description: "The team's channels (never their secrets).", schema: pageSchema(channelSchema, "NotificationChannelPage") } },
    async handle({ caller }) {
      return { status: 200, body: { data: (await listChannels(caller.teamId)).map(channelBody), nextCursor: null } };
    },
  }),
  route({
    method: "GET",
    path: "/notification-channels/{id}",
    operationId: "getNotificationChannel",
    summary: "Get a notification channel",
    tag: TAG,
    scope: "admin",
    responses: { 200: { description: "The channel.", schema: channelSchema, headers: withEtag }, 404: notFound },
    handle: ({ caller, params }) => channelAnswer(200, caller.teamId, params.id!),
  }),
  route({
    method: "POST",
    path: "/notification-channels",
    operationId: "createNotificationChannel",
    summary: "Create a notification channel",
    description:
      "The fields of the channel form: a name, the kind (EMAIL, SLACK or WEBHOOK), the events it gets, and the kind's fields: `emailTo` (addresses separated by commas), `slackUrl` (the incoming-webhook URL), or `url` (the event webhook's https:// endpoint). An event webhook's answer holds its signing secret, once.",
    tag: TAG,
    scope: "admin",
    body: channelWriteSchema,
    responses: {
      201: { description: "Created.", schema: channelSchema.extend({ signingSecret: signingSecretField.optional() }).meta({ id: "CreatedNotificationChannel" }), headers: withEtag },
      422: invalid,
    },
    async handle({ caller, body }) {
      const created = await createChannel(caller.teamId, caller.actor, body);
      return channelAnswer(201, caller.teamId, created.id, { signingSecret: created.signingSecret, headers: { location: `/api/v1/notification-channels/${created.id}` } });
    },
  }),
  route({
    method: "PUT",
    path: "/notification-channels/{id}",
    operationId: "updateNotificationChannel",
    summary: "Update a notification channel",
    description:
      "Replaces the channel's settings; its kind stays. An empty `slackUrl` keeps the saved one. `rollSecret: true` gives an event webhook a new signing secret, in this answer only. Send If-Match with the ETag you read to refuse the change (412) when someone changed the channel since.",
    tag: TAG,
    scope: "admin",
    body: channelWriteSchema,
    ifMatch: true,
    responses: {
      200: { description: "Updated.", schema: channelSchema.extend({ signingSecret: signingSecretField.optional() }).meta({ id: "UpdatedNotificationChannel" }), headers: withEtag },
      404: notFound,
      412: changedSince,
      422: invalid,
    },
    async handle({ caller, params, body, headers }) {
      const { rollSecret, ...input } = body;
      const updated = await updateChannel(caller.teamId, caller.actor, params.id!, input, { rollSecret: rollSecret === true, precondition: ifMatch(headers) });
      return channelAnswer(200, caller.teamId, params.id!, { signingSecret: updated.signingSecret });
    },
  }),
  route({
    method: "DELETE",
    path: "/notification-channels/{id}",
    operationId: "deleteNotificationChannel",
    summary: "Delete a notification channel",
    description: "With its delivery log; deliveries not made yet are dropped.",
    tag: TAG,
    scope: "admin",
    ifMatch: true,
    responses: { 204: { description: "Deleted." }, 404: notFound, 412: changedSince },
    async handle({ caller, params, headers }) {
      await deleteChannel(caller.teamId, caller.actor, params.id!, ifMatch(headers));
      return { status: 204 };
    },
  }),
  route({
    method: "GET",
    path: "/notification-channels/{id}/deliveries",
    operationId: "listNotificationDeliveries",
    summary: "A channel's delivery log",
    description: "Each event handed to the channel and its attempts, newest first, in pages.",
    tag: TAG,
    scope: "admin",
    query: z.object({ limit: limitSchema, cursor: cursorSchema }),
    responses: { 200: { description: "Deliveries.", schema: pageSchema(deliverySchema, "NotificationDeliveryPage") }, 404: notFound },
    async handle({ caller, params, query }) {
      const before = afterCursor(query.cursor);
      if (!(await getChannel(caller.teamId, params.id!))) throw channelNotFound();
      const rows = await listDeliveries(caller.teamId, params.id!, query.limit + 1, before && { createdAt: before.at, id: before.id });
      return { status: 200, body: keysetPage(rows, query.limit, (row) => [row.createdAt.toISOString(), row.id]) };
    },
  }),
  route({
    method: "POST",
    path: "/notification-channels/{id}/deliveries/{deliveryId}/redeliver",
    operationId: "redeliverNotification",
    summary: "Redeliver",
    description: "Sends the delivery's event again from a first attempt (same event id, so the same webhook-id). Its outcome shows in the delivery log.",
    tag: TAG,
    scope: "admin",
    responses: { 202: { description: "Queued." }, 404: { description: "No such delivery on this channel in the key's team." }, 409: { description: "The event waits for the day's digest and is sent with it." } },
    async handle({ caller, params }) {
      await redeliver(caller.teamId, caller.actor, params.id!, params.deliveryId!);
      return { status: 202 };
    },
  }),
  route({
    method: "POST",
    path: "/notification-channels/{id}/test",
    operationId: "testNotificationChannel",
    summary: "Send a test event",
    description: "A made-up event (type keyway.test) to this channel only, logged like any other delivery.",
    tag: TAG,
    scope: "admin",
    responses: { 202: { description: "Queued; the delivery's id names it in the log.", schema: z.object({ deliveryId: z.string() }).meta({ id: "QueuedTestEvent" }) }, 404: notFound },
    async handle({ caller, params }) {
      return { status: 202, body: await sendTestEvent(caller.teamId, caller.actor, params.id!) };
    },
  }),
];
