import { isIP } from "node:net";
import { db } from "../db";
import { writeAudit, type AuditActor } from "../audit";
import { connectionNotFound } from "../connections";
import { DomainError } from "../errors";
import { webhookForwardSchema, type WebhookForwardInput } from "./schemas";
import { listDeliveries, redeliver, type DeliveryRow } from "../notifications/deliver";
import { defaultAllowList } from "../outbound";
import { blockedMessage, checkAddress, refusalForUrl } from "../outbound/address-policy";
import { systemResolver, type Resolver } from "../outbound/destination";

// Forwarding a webhook receiver's events to a team's URL (README, "Forwarding
// events"). Each accepted event becomes a delivery of the notification
// channels' machinery (lib/notifications/deliver.ts: one pg-boss job per
// delivery, exponential back-off for about a day, the delivery log,
// Redeliver); lib/webhooks/store.ts commits the event, its delivery and the
// job together, before the sender hears 202. What is sent:
// lib/webhooks/forward-target.ts.

export { webhookForwardSchema, type WebhookForwardInput };

/**
 * What outbound safety says of the URL now: a literal address or localhost is
 * judged as written, a name on what DNS answers (every address must pass, as
 * when sending). Null when it may be used. Checked again on every send.
 */
export async function forwardUrlRefusal(raw: string, resolve: Resolver = systemResolver): Promise<string | null> {
  const allow = defaultAllowList();
  const literal = refusalForUrl(raw, allow);
  if (literal) return literal;
  const host = new URL(raw).hostname.replace(/^\[|\]$/g, "");
  if (isIP(host) || /^localhost$/i.test(host)) return null;
  let addresses;
  try {
    addresses = await resolve(host);
  } catch {
    return `Keyway could not find ${host} (DNS): check the address.`;
  }
  for (const { address } of addresses) {
    const verdict = checkAddress(address, allow);
    if (!verdict.allowed) return blockedMessage(host, verdict, true);
  }
  return null;
}

export async function webhookForward(teamId: string, connectionId: string): Promise<{ url: string | null } | null> {
  const row = await db.connection.findFirst({ where: { id: connectionId, teamId, authType: "WEBHOOK" }, select: { webhookForwardUrl: true } });
  return row ? { url: row.webhookForwardUrl } : null;
}

/** Sets (or with an empty URL, removes) where a receiver forwards its events; refused with outbound safety's reason. */
export async function setWebhookForward(teamId: string, actor: AuditActor, connectionId: string, input: WebhookForwardInput, resolve?: Resolver): Promise<{ url: string | null }> {
  const url = input.url === "" ? null : input.url;
  if (url) {
    const refusal = await forwardUrlRefusal(url, resolve);
    if (refusal) throw new DomainError(refusal, 400, "url");
  }
  await db.$transaction(async (tx) => {
    const connection = await tx.connection.findFirst({ where: { id: connectionId, teamId }, select: { id: true, name: true, authType: true } });
    if (!connection) throw connectionNotFound();
    if (connection.authType !== "WEBHOOK") throw new DomainError("Only webhook receivers forward events.", 400);
    await tx.connection.update({ where: { id: connection.id }, data: { webhookForwardUrl: url } });
    await writeAudit(tx, { teamId, actor, action: "connection.webhook_forward_updated", objectType: "connection", objectId: connection.id, objectName: connection.name, data: { url: url ?? "" } });
  });
  return { url };
}

/** The receiver's forwards, newest first: the delivery log. */
export async function listForwards(teamId: string, connectionId: string, take = 20): Promise<DeliveryRow[]> {
  return listDeliveries(teamId, { connectionId }, take);
}

/** Forwards an event again from its first attempt, with the same keyway-event-id. */
export async function redeliverForward(teamId: string, actor: AuditActor, connectionId: string, deliveryId: string): Promise<void> {
  await redeliver(teamId, actor, { connectionId }, deliveryId);
}
