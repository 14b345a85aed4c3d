import { db } from "../db";
import { writeAudit, type AuditActor } from "../audit";
import { encryptSecret, lastFour } from "../crypto";
import { DomainError } from "../errors";
import { connectionNotFound } from "../connections";
import { webhookSecretContext } from "./receive";
import { DEFAULT_TOLERANCE_SECONDS } from "./limits";
import type { WebhookSigningUpdate } from "./schemas";

// A connection's webhook signing settings: the secret is sealed bound to
// "webhook:<connection id>" and never read back to a page; the page sees
// whether one is set and, for long secrets, its last four characters.

export type WebhookSigningView = {
  secretSet: boolean;
  secretLastFour: string | null;
  signatureHeader: string;
  encoding: string;
  prefix: string;
  scheme: string;
  toleranceSeconds: number;
};

export async function webhookSigning(teamId: string, connectionId: string): Promise<WebhookSigningView | null> {
  const row = await db.connection.findFirst({
    where: { id: connectionId, teamId, authType: "WEBHOOK" },
    select: {
      webhookSecret: true,
      webhookSecretLastFour: true,
      webhookSignatureHeader: true,
      webhookSignatureEncoding: true,
      webhookSignaturePrefix: true,
      webhookSignatureScheme: true,
      webhookToleranceSeconds: true,
    },
  });
  if (!row) return null;
  return {
    secretSet: row.webhookSecret !== null,
    secretLastFour: row.webhookSecret !== null ? row.webhookSecretLastFour : null,
    signatureHeader: row.webhookSignatureHeader,
    encoding: row.webhookSignatureEncoding,
    prefix: row.webhookSignaturePrefix,
    scheme: row.webhookSignatureScheme,
    toleranceSeconds: row.webhookToleranceSeconds,
  };
}

export async function updateWebhookSigning(teamId: string, actor: AuditActor, connectionId: string, request: WebhookSigningUpdate): Promise<{ secret: "set" | "cleared" | "unchanged" }> {
  const input = { ...request, scheme: request.scheme ?? "custom", toleranceSeconds: request.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS };
  return db.$transaction(async (tx) => {
    const connection = await tx.connection.findFirst({ where: { id: connectionId, teamId }, select: { id: true, name: true, authType: true, webhookSecret: true } });
    if (!connection) throw connectionNotFound();
    if (connection.authType !== "WEBHOOK") throw new DomainError("Only webhook receivers receive webhooks.", 400);
    const secret = input.secret !== "" ? "set" : input.clearSecret && connection.webhookSecret !== null ? "cleared" : "unchanged";
    await tx.connection.update({
      where: { id: connection.id },
      data: {
        webhookSignatureHeader: input.signatureHeader,
        webhookSignatureEncoding: input.encoding,
        webhookSignaturePrefix: input.prefix,
        webhookSignatureScheme: input.scheme,
        webhookToleranceSeconds: input.toleranceSeconds,
        ...(secret === "set" ? { webhookSecret: encryptSecret(input.secret, webhookSecretContext(connection.id)), webhookSecretLastFour: lastFour(input.secret) } : {}),
        ...(secret === "cleared" ? { webhookSecret: null, webhookSecretLastFour: null } : {}),
      },
    });
    await writeAudit(tx, {
      teamId,
      actor,
      action: "connection.webhook_signing_updated",
      objectType: "connection",
      objectId: connection.id,
      objectName: connection.name,
      data: { scheme: input.scheme, signatureHeader: input.signatureHeader, encoding: input.encoding, prefix: input.prefix, toleranceSeconds: input.toleranceSeconds, secret },
    });
    return { secret };
  });
}
