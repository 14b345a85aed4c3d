import { randomBytes } from "node:crypto";
import type PgBoss from "pg-boss";
import { Webhook } from "standardwebhooks";
import { db } from "../db";
import { writeAudit, type AuditActor } from "../audit";
import { redact } from "../connections/redaction";
import { DomainError } from "../errors";
import type { Prisma } from "../generated/prisma/client";
import { defineJob } from "../jobs/engine";
import { errorText, log } from "../log";
import { OutboundError, sendRequest } from "../outbound";
import { channelForDelivery, channelNotFound, type DeliveryChannel } from "./channels";
import { forwardOf } from "../webhooks/forward-target";
import { sendMail } from "./mail";
import { digestText, mailSubject, mailText, slackText, webhookBody, type EventPayload } from "./messages";

// Each delivery of an event to a channel is a job: it survives restarts and,
// when the endpoint fails, is retried with exponential back-off (pg-boss:
// 30 s × 2^n with jitter) for about a day: 12 attempts over ~25 hours. Every
// attempt is written to the delivery log. Outbound HTTP goes through outbound
// safety (lib/outbound), like a connection's test request.

export const MAX_ATTEMPTS = 12;
const RETRY_DELAY_SECONDS = 30;
const TIMEOUT_MS = 10_000;
const EXCERPT_CHARS = 500;

export type DeliveryState = "pending" | "retrying" | "delivered" | "failed" | "digest";

const deliveryJob = defineJob<{ deliveryId: string }>({
  name: "notification-delivery",
  queue: { retryLimit: MAX_ATTEMPTS - 1, retryDelay: RETRY_DELAY_SECONDS, retryBackoff: true, expireInSeconds: 120 },
  batchSize: 5,
  handler: async ({ deliveryId }) => attemptDelivery(deliveryId),
});

/**
 * Queues one series of attempts. A delivered one is not sent again by a stray job (attemptDelivery checks its state).
 * `options.db`: enqueue inside the caller's transaction, so the delivery and its job are committed together.
 */
export async function queueDelivery(deliveryId: string, options?: PgBoss.SendOptions): Promise<void> {
  await deliveryJob.send({ deliveryId }, options);
}

export function newDeliveryId(): string {
  return `msg_${randomBytes(12).toString("hex")}`;
}

type Outcome = { ok: boolean; status: number | null; durationMs: number; excerpt: string | null; error: string | null };

function excerptOf(body: Buffer | string, secrets: string[]): string | null {
  const text = (typeof body === "string" ? body : body.toString("utf8")).slice(0, EXCERPT_CHARS * 2);
  if (text.trim() === "") return null;
  // An endpoint may echo what it was sent, and a Slack URL carries its own credential.
  return redact(text, secrets).slice(0, EXCERPT_CHARS);
}

/** Standard Webhooks headers for `body`, signed with the channel's whsec_ secret. */
export function signedHeaders(secret: string, messageId: string, body: string, at: Date = new Date()): Record<string, string> {
  return {
    "content-type": "application/json",
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(at.getTime() / 1000)),
    "webhook-signature": new Webhook(secret).sign(messageId, at, body),
  };
}

export async function post(url: string, headers: Record<string, string>, body: string | Buffer, secrets: string[], userAgent = "Keyway-Notifications/1"): Promise<Outcome> {
  const started = performance.now();
  try {
    const response = await sendRequest({ url, method: "POST", headers: { "user-agent": userAgent, ...headers }, body, timeoutMs: TIMEOUT_MS, maxBytes: 64 * 1024, maxRedirects: 0 });
    const ok = response.status >= 200 && response.status < 300;
    return {
      ok,
      status: response.status,
      durationMs: Math.round(performance.now() - started),
      excerpt: excerptOf(response.body, secrets),
      error: ok ? null : `The endpoint answered ${response.status}.`,
    };
  } catch (error) {
    const message = error instanceof OutboundError ? error.message : errorText(error);
    return { ok: false, status: null, durationMs: Math.round(performance.now() - started), excerpt: null, error: redact(message, secrets) };
  }
}

async function mail(to: string[], subject: string, text: string): Promise<Outcome> {
  const started = performance.now();
  try {
    const answer = await sendMail({ to, subject, text });
    return { ok: true, status: null, durationMs: Math.round(performance.now() - started), excerpt: answer.slice(0, EXCERPT_CHARS) || null, error: null };
  } catch (error) {
    return { ok: false, status: null, durationMs: Math.round(performance.now() - started), excerpt: null, error: `The mail server refused or could not be reached: ${errorText(error)}`.slice(0, 1000) };
  }
}

/** Sends one event (or a digest of several) on a channel, without touching the log. */
export async function send(channel: DeliveryChannel, events: EventPayload[]): Promise<Outcome> {
  const team = channel.team;
  const secrets = channel.secret ? [channel.secret] : [];
  if (channel.kind === "WEBHOOK") {
    if (!channel.url || !channel.secret) return { ok: false, status: null, durationMs: 0, excerpt: null, error: "The channel has no endpoint or signing secret." };
    const event = events[0]!;
    const body = webhookBody(team, event);
    // webhook-id is the event's id, the same on every retry and redelivery, so a receiver can drop duplicates.
    return post(channel.url, signedHeaders(channel.secret, event.id, body), body, secrets);
  }
  const digest = events.length > 1 || channel.digest;
  if (channel.kind === "SLACK") {
    if (!channel.secret) return { ok: false, status: null, durationMs: 0, excerpt: null, error: "The channel has no Slack URL." };
    const text = digest ? digestText(team, events, true).text : slackText(team, events[0]!);
    return post(channel.secret, { "content-type": "application/json" }, JSON.stringify({ text }), secrets);
  }
  if (digest) {
    const { subject, text } = digestText(team, events, false);
    return mail(channel.emailTo, subject, text);
  }
  return mail(channel.emailTo, mailSubject(team, events[0]!), mailText(team, events[0]!));
}

function logFields(outcome: Outcome, attempts: number) {
  return {
    attempts,
    lastAttemptAt: new Date(),
    responseStatus: outcome.status,
    durationMs: outcome.durationMs,
    responseExcerpt: outcome.excerpt,
    errorMessage: outcome.error,
  };
}

/** A webhook receiver's forward of one event (lib/webhooks/forward.ts): the event as it arrived, to the receiver's forward URL. */
async function sendForward(connectionId: string, eventId: string): Promise<Outcome | null> {
  const forward = await forwardOf(connectionId, eventId);
  if (!forward) return null;
  if ("error" in forward) return { ok: false, status: null, durationMs: 0, excerpt: null, error: forward.error };
  return post(forward.url, forward.headers, forward.body, forward.secrets, "Keyway-Webhook-Forward/1");
}

/** One attempt of a delivery (the job's handler): throws to have pg-boss retry it, until the last attempt. */
export async function attemptDelivery(deliveryId: string): Promise<void> {
  const delivery = await db.notificationDelivery.findUnique({ where: { id: deliveryId }, select: { id: true, channelId: true, connectionId: true, eventId: true, state: true, attempts: true, payload: true } });
  if (!delivery || delivery.state === "delivered" || delivery.state === "digest") return;
  let outcome: Outcome | null = null;
  if (delivery.connectionId) {
    outcome = await sendForward(delivery.connectionId, delivery.eventId);
  } else if (delivery.channelId) {
    const channel = await channelForDelivery(delivery.channelId);
    if (channel) outcome = await send(channel, [delivery.payload as unknown as EventPayload]);
  }
  if (!outcome) return;
  const attempts = delivery.attempts + 1;
  const state: DeliveryState = outcome.ok ? "delivered" : attempts >= MAX_ATTEMPTS ? "failed" : "retrying";
  await db.notificationDelivery.update({ where: { id: delivery.id }, data: { ...logFields(outcome, attempts), state, ...(outcome.ok ? { deliveredAt: new Date() } : {}) } });
  if (state === "retrying") throw new Error(`delivery ${delivery.id} failed (attempt ${attempts} of ${MAX_ATTEMPTS}): ${outcome.error}`);
  if (state === "failed") log.warn({ deliveryId: delivery.id, channelId: delivery.channelId, connectionId: delivery.connectionId }, "delivery failed for good");
}

/** Records the event for each channel and queues its delivery; a digest channel keeps it for the day's digest. Idempotent per (channel, event). */
export async function deliverToChannels(channels: { id: string; teamId: string; digest: boolean }[], event: EventPayload): Promise<void> {
  for (const channel of channels) {
    const id = newDeliveryId();
    const state: DeliveryState = channel.digest ? "digest" : "pending";
    const created = await db.notificationDelivery.createMany({
      data: [{ id, channelId: channel.id, teamId: channel.teamId, eventId: event.id, eventType: event.type, payload: event as unknown as Prisma.InputJsonObject, state }],
      skipDuplicates: true,
    });
    if (created.count === 0) {
      // Handed over before (the fan-out job is being retried): queue it again only if it never left.
      const existing = await db.notificationDelivery.findUnique({ where: { channelId_eventId: { channelId: channel.id, eventId: event.id } }, select: { id: true, state: true, attempts: true } });
      if (existing && existing.state === "pending" && existing.attempts === 0) await queueDelivery(existing.id);
      continue;
    }
    if (state === "pending") await queueDelivery(id);
  }
}

export type DeliveryRow = {
  id: string;
  eventId: string;
  eventType: string;
  summary: string;
  state: string;
  attempts: number;
  createdAt: Date;
  lastAttemptAt: Date | null;
  deliveredAt: Date | null;
  responseStatus: number | null;
  durationMs: number | null;
  responseExcerpt: string | null;
  errorMessage: string | null;
};

/** Whose deliveries: a notification channel's, or a webhook receiver's forwards. */
export type DeliveryOwner = { channelId: string } | { connectionId: string };

/** A channel's deliveries (or a receiver's forwards), newest first; `before` is the (createdAt, id) a previous page ended on (keyset pages). */
export async function listDeliveries(teamId: string, owner: string | DeliveryOwner, take = 20, before?: { createdAt: Date; id: string } | null): Promise<DeliveryRow[]> {
  const older = before ? { OR: [{ createdAt: { lt: before.createdAt } }, { createdAt: before.createdAt, id: { lt: before.id } }] } : {};
  const rows = await db.notificationDelivery.findMany({
    where: { ...(typeof owner === "string" ? { channelId: owner } : owner), teamId, ...older },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take,
  });
  return rows.map((row) => ({
    id: row.id,
    eventId: row.eventId,
    eventType: row.eventType,
    summary: String((row.payload as { summary?: unknown }).summary ?? ""),
    state: row.state,
    attempts: row.attempts,
    createdAt: row.createdAt,
    lastAttemptAt: row.lastAttemptAt,
    deliveredAt: row.deliveredAt,
    responseStatus: row.responseStatus,
    durationMs: row.durationMs,
    responseExcerpt: row.responseExcerpt,
    errorMessage: row.errorMessage,
  }));
}

/** Sends a delivery again from its first attempt (same event, same webhook-id); `owner` a channel id, or a receiver's forwards. */
export async function redeliver(teamId: string, actor: AuditActor, owner: string | DeliveryOwner, deliveryId: string): Promise<void> {
  const where = typeof owner === "string" ? { channelId: owner } : owner;
  await db.$transaction(async (tx) => {
    const delivery = await tx.notificationDelivery.findFirst({
      where: { id: deliveryId, teamId, ...where },
      select: { id: true, eventType: true, eventId: true, state: true, channel: { select: { id: true, name: true } }, connection: { select: { id: true, name: true } } },
    });
    if (!delivery) throw new DomainError("connectionId" in where ? "That forward does not exist on this receiver." : "That delivery does not exist on this channel.", 404);
    if (delivery.state === "digest") throw new DomainError("This event waits for the day's digest; it is sent with it.", 409);
    await tx.notificationDelivery.update({ where: { id: delivery.id }, data: { state: "pending", attempts: 0, deliveredAt: null } });
    const data = { deliveryId: delivery.id, eventId: delivery.eventId, eventType: delivery.eventType };
    if (delivery.connection) {
      await writeAudit(tx, { teamId, actor, action: "connection.webhook_forward_redelivered", objectType: "connection", objectId: delivery.connection.id, objectName: delivery.connection.name, data });
    } else if (delivery.channel) {
      await writeAudit(tx, { teamId, actor, action: "notification_channel.redelivered", objectType: "notification_channel", objectId: delivery.channel.id, objectName: delivery.channel.name, data });
    }
  });
  await queueDelivery(deliveryId);
}

/** A made-up event sent to one channel only, logged like any other. */
export async function sendTestEvent(teamId: string, actor: AuditActor, channelId: string): Promise<{ deliveryId: string }> {
  const channel = await db.notificationChannel.findFirst({ where: { id: channelId, teamId }, select: { id: true, name: true, team: { select: { name: true } } } });
  if (!channel) throw channelNotFound();
  const id = newDeliveryId();
  const event: EventPayload = {
    id: `evt_test_${randomBytes(8).toString("hex")}`,
    type: "keyway.test",
    occurredAt: new Date().toISOString(),
    summary: `Test event from Keyway for the channel “${channel.name}” of ${channel.team.name}.`,
    subject: { kind: "notification_channel", id: channel.id, name: channel.name },
    detail: {},
  };
  await db.$transaction(async (tx) => {
    await tx.notificationDelivery.create({ data: { id, channelId: channel.id, teamId, eventId: event.id, eventType: event.type, payload: event as unknown as Prisma.InputJsonObject, state: "pending" } });
    await writeAudit(tx, { teamId, actor, action: "notification_channel.tested", objectType: "notification_channel", objectId: channel.id, objectName: channel.name, data: { deliveryId: id } });
  });
  await queueDelivery(id);
  return { deliveryId: id };
}

// The daily digest: one message per digest channel with the events it kept
// since the last one. Once a day at 08:00 UTC, once across all instances.
defineJob<object>({
  name: "notification-digest",
  cron: "0 8 * * *",
  queue: { retryLimit: 3, retryDelay: 300, retryBackoff: true },
  handler: async () => void (await sendDigests()),
});

/** Sends every waiting digest; returns how many channels got one. A channel whose send fails keeps its events for the next run. */
export async function sendDigests(): Promise<number> {
  const waiting = await db.notificationDelivery.groupBy({ by: ["channelId"], where: { state: "digest", channelId: { not: null } } });
  let sent = 0;
  for (const { channelId } of waiting) {
    if (!channelId) continue;
    const channel = await channelForDelivery(channelId);
    if (!channel) continue;
    const rows = await db.notificationDelivery.findMany({ where: { channelId, state: "digest" }, orderBy: { createdAt: "asc" }, take: 200, select: { id: true, payload: true, attempts: true } });
    if (rows.length === 0) continue;
    const outcome = await send(channel, rows.map((row) => row.payload as unknown as EventPayload));
    await db.notificationDelivery.updateMany({
      where: { id: { in: rows.map((row) => row.id) }, state: "digest" },
      data: { ...logFields(outcome, 1), state: outcome.ok ? "delivered" : "digest", ...(outcome.ok ? { deliveredAt: new Date() } : {}) },
    });
    if (outcome.ok) sent += 1;
    else log.warn({ channelId, error: outcome.error }, "notification digest not sent; kept for the next run");
  }
  return sent;
}
