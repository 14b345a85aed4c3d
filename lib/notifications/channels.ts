import { randomBytes } from "node:crypto";
import { db } from "../db";
import { writeAudit, type AuditActor } from "../audit";
import { decryptSecret, encryptSecret, lastFour } from "../crypto";
import { DomainError } from "../errors";
import type { Prisma } from "../generated/prisma/client";
import { mailConfigured } from "./mail";
import type { ChannelInput, ChannelKind } from "./schemas";

// A team's notification channels (admins only; pages, actions and API check the
// role). Every function takes the team id requireMember resolved, so another
// team's channel is not found. Secrets (a Slack URL, a webhook signing secret)
// are sealed bound to the channel and never returned, except a signing secret
// once, to the admin who created or rolled it.

export type ChannelView = {
  id: string;
  name: string;
  kind: ChannelKind;
  eventTypes: string[];
  digest: boolean;
  emailTo: string[];
  url: string | null;
  secretSet: boolean;
  secretHint: string | null;
  createdByLabel: string;
  createdAt: Date;
  updatedAt: Date;
};

export function channelSecretContext(channelId: string): string {
  return `notification-channel:${channelId}`;
}

function newChannelId(): string {
  return `nc${randomBytes(12).toString("hex")}`;
}

/** A Standard Webhooks signing secret: "whsec_" and the base64 of 32 random bytes. */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

export function channelNotFound(): DomainError {
  return new DomainError("That notification channel does not exist in this team.", 404);
}

const VIEW_SELECT = {
  id: true,
  name: true,
  kind: true,
  eventTypes: true,
  digest: true,
  emailTo: true,
  url: true,
  secret: true,
  secretHint: true,
  createdByLabel: true,
  createdAt: true,
  updatedAt: true,
} satisfies Prisma.NotificationChannelSelect;

type ViewRow = Prisma.NotificationChannelGetPayload<{ select: typeof VIEW_SELECT }>;

function toView(row: ViewRow): ChannelView {
  const { secret, ...rest } = row;
  return { ...rest, secretSet: secret !== null };
}

export async function listChannels(teamId: string): Promise<ChannelView[]> {
  const rows = await db.notificationChannel.findMany({ where: { teamId }, orderBy: { createdAt: "asc" }, select: VIEW_SELECT });
  return rows.map(toView);
}

export async function getChannel(teamId: string, channelId: string): Promise<ChannelView | null> {
  const row = await db.notificationChannel.findFirst({ where: { id: channelId, teamId }, select: VIEW_SELECT });
  return row ? toView(row) : null;
}

/** The fields of the kind chosen; the others are cleared so nothing stale lingers. */
function kindFields(input: ChannelInput) {
  return {
    emailTo: input.kind === "EMAIL" ? input.emailTo : [],
    url: input.kind === "WEBHOOK" ? input.url : null,
    digest: input.kind === "WEBHOOK" ? false : input.digest,
  };
}

function auditData(input: ChannelInput): Prisma.InputJsonObject {
  // The endpoint URL is not secret; a Slack URL is, so it is never recorded.
  return { kind: input.kind, eventTypes: input.eventTypes, digest: input.digest, ...(input.kind === "EMAIL" ? { emailTo: input.emailTo } : {}), ...(input.kind === "WEBHOOK" ? { url: input.url } : {}) };
}

function refuseEmailWithoutSmtp(input: ChannelInput) {
  if (input.kind === "EMAIL" && !mailConfigured()) {
    throw new DomainError("Email is not set up on this Keyway: an operator sets KEYWAY_SMTP_URL (and KEYWAY_MAIL_FROM) first.", 400, "kind");
  }
}

/** Creates a channel; for an event webhook, returns its signing secret, this once. */
export async function createChannel(teamId: string, actor: AuditActor, input: ChannelInput): Promise<{ id: string; signingSecret: string | null }> {
  refuseEmailWithoutSmtp(input);
  if (input.kind === "SLACK" && input.slackUrl === "") throw new DomainError("Paste the Slack incoming-webhook URL.", 400, "slackUrl");
  const id = newChannelId();
  const signingSecret = input.kind === "WEBHOOK" ? newSigningSecret() : null;
  const secret = input.kind === "SLACK" ? input.slackUrl : signingSecret;
  await db.$transaction(async (tx) => {
    await tx.notificationChannel.create({
      data: {
        id,
        teamId,
        name: input.name,
        kind: input.kind,
        eventTypes: input.eventTypes,
        ...kindFields(input),
        secret: secret ? encryptSecret(secret, channelSecretContext(id)) : null,
        secretHint: input.kind === "SLACK" ? lastFour(input.slackUrl) : null,
        createdById: actor.id,
        createdByLabel: actor.label,
      },
    });
    await writeAudit(tx, { teamId, actor, action: "notification_channel.created", objectType: "notification_channel", objectId: id, objectName: input.name, data: auditData(input) });
  });
  return { id, signingSecret };
}

/** Updates a channel. Its kind is kept; an empty Slack URL keeps the saved one; `rollSecret` gives an event webhook a new signing secret (returned this once). */
/** `precondition`: refuses (throws) when the saved row is not the one the caller last read (the API's If-Match); checked under the row lock. */
export type ChannelPrecondition = (saved: { updatedAt: Date }) => void;

export async function updateChannel(
  teamId: string,
  actor: AuditActor,
  channelId: string,
  input: ChannelInput,
  options: { rollSecret?: boolean; precondition?: ChannelPrecondition } = {},
): Promise<{ signingSecret: string | null }> {
  return db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT id FROM "NotificationChannel" WHERE id = ${channelId} AND "teamId" = ${teamId} FOR UPDATE`;
    const existing = await tx.notificationChannel.findFirst({ where: { id: channelId, teamId }, select: { id: true, kind: true, updatedAt: true } });
    if (!existing) throw channelNotFound();
    options.precondition?.(existing);
    if (existing.kind !== input.kind) throw new DomainError("A channel keeps its kind; create another channel for another kind.", 400, "kind");
    const signingSecret = input.kind === "WEBHOOK" && options.rollSecret ? newSigningSecret() : null;
    const newSecret = input.kind === "SLACK" && input.slackUrl !== "" ? input.slackUrl : signingSecret;
    await tx.notificationChannel.update({
      where: { id: existing.id },
      data: {
        name: input.name,
        eventTypes: input.eventTypes,
        ...kindFields(input),
        ...(newSecret ? { secret: encryptSecret(newSecret, channelSecretContext(existing.id)) } : {}),
        ...(input.kind === "SLACK" && input.slackUrl !== "" ? { secretHint: lastFour(input.slackUrl) } : {}),
      },
    });
    await writeAudit(tx, {
      teamId,
      actor,
      action: "notification_channel.updated",
      objectType: "notification_channel",
      objectId: existing.id,
      objectName: input.name,
      data: { ...auditData(input), secret: newSecret ? "changed" : "unchanged" },
    });
    return { signingSecret };
  });
}

export async function deleteChannel(teamId: string, actor: AuditActor, channelId: string, precondition?: ChannelPrecondition): Promise<void> {
  await db.$transaction(async (tx) => {
    // Locked, so an If-Match checked here still holds when the row is deleted.
    await tx.$queryRaw`SELECT id FROM "NotificationChannel" WHERE id = ${channelId} AND "teamId" = ${teamId} FOR UPDATE`;
    const existing = await tx.notificationChannel.findFirst({ where: { id: channelId, teamId }, select: { id: true, name: true, kind: true, updatedAt: true } });
    if (!existing) throw channelNotFound();
    precondition?.(existing);
    await tx.notificationChannel.delete({ where: { id: existing.id } });
    await writeAudit(tx, { teamId, actor, action: "notification_channel.deleted", objectType: "notification_channel", objectId: existing.id, objectName: existing.name, data: { kind: existing.kind } });
  });
}

/** The channel as a delivery needs it, secret decrypted (server side only, never to a page). */
export async function channelForDelivery(channelId: string) {
  const row = await db.notificationChannel.findUnique({
    where: { id: channelId },
    select: { id: true, teamId: true, name: true, kind: true, digest: true, emailTo: true, url: true, secret: true, team: { select: { slug: true, name: true } } },
  });
  if (!row) return null;
  const secret = row.secret ? decryptSecret(row.secret, channelSecretContext(row.id)) : null;
  return { ...row, secret };
}

export type DeliveryChannel = NonNullable<Awaited<ReturnType<typeof channelForDelivery>>>;
