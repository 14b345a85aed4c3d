import { db } from "../db";
import { decryptSecret } from "../crypto";
import { webhookSecretContext } from "./limits";
import { replayHeaders } from "./replay";

// What a webhook receiver's forward sends (README, "Forwarding events"): the
// body exactly as it arrived, the sender's own headers less the ones that
// describe the hop, carry credentials or were added by proxies (replay.ts),
// and three of Keyway's. The sender's signature headers go along untouched, so a forward
// target that knows the sender's secret can verify the event itself; Keyway's
// own secrets (the receiver's signing secret) never leave.

export type ForwardedEvent = { id: string; receivedAt: Date; headers: Record<string, string>; signatureVerified: boolean | null };

/** The headers a forward carries. `keyway-event-id` is the same on every retry and redelivery: the target drops duplicates by it. */
export function forwardedHeaders(event: ForwardedEvent): Record<string, string> {
  // The sender's user agent is replaced by Keyway's (Keyway-Webhook-Forward/1): Keyway makes this request.
  const headers: Record<string, string> = Object.fromEntries(replayHeaders(event.headers).filter(([name]) => name !== "user-agent"));
  headers["keyway-event-id"] = event.id;
  headers["keyway-received-at"] = event.receivedAt.toISOString();
  headers["keyway-signature"] = event.signatureVerified === true ? "verified" : "not-checked";
  return headers;
}

/** One forward as the delivery job sends it; null when the receiver is gone (nothing to do), an error when there is nothing to send. */
export async function forwardOf(connectionId: string, eventId: string): Promise<{ url: string; headers: Record<string, string>; body: Buffer; secrets: string[] } | { error: string } | null> {
  const connection = await db.connection.findUnique({ where: { id: connectionId }, select: { id: true, authType: true, webhookForwardUrl: true, webhookSecret: true } });
  if (!connection) return null;
  if (connection.authType !== "WEBHOOK" || !connection.webhookForwardUrl) return { error: "This receiver no longer forwards events: set a forward URL, then redeliver." };
  const event = await db.webhookEvent.findFirst({ where: { id: eventId, connectionId }, select: { id: true, receivedAt: true, headers: true, body: true, signatureVerified: true } });
  if (!event) return { error: "The event is no longer kept (Keyway keeps a receiver's newest events only), so it cannot be forwarded." };
  // An endpoint may echo what it was sent: its answer is stored without the receiver's secret.
  const secrets = connection.webhookSecret ? [decryptSecret(connection.webhookSecret, webhookSecretContext(connection.id))] : [];
  return {
    url: connection.webhookForwardUrl,
    headers: forwardedHeaders({ ...event, headers: (event.headers ?? {}) as Record<string, string> }),
    body: Buffer.from(event.body),
    secrets,
  };
}
