import type { Prisma } from "./generated/prisma/client";

type Tx = Prisma.TransactionClient;

/** A person (id), or a service acting with a team API key (apiKeyId, kept in the event's data). */
export type AuditActor = { id: string | null; label: string; ip?: string | null; apiKeyId?: string };

export const AUDIT_ACTIONS = [
  "team.created",
  "team.renamed",
  "team.deleted",
  "member.invited",
  "member.invitation_revoked",
  "member.joined",
  "member.role_changed",
  "member.removed",
  "member.left",
  "connection.created",
  "connection.updated",
  "connection.duplicated",
  "connection.deleted",
  "connection.tested",
  "connection.connected",
  "connection.authorization_failed",
  "connection.token_obtained",
  "connection.token_refreshed",
  "connection.refresh_failed",
  "connection.disconnected",
  "connection.used_via_proxy",
  "connection.webhook_signing_updated",
  "connection.webhook_forward_updated",
  "connection.webhook_forward_redelivered",
  "connection.credentials_read",
  "connection.credentials_access_changed",
  "connect_link.created",
  "connect_link.opened",
  "connect_link.completed",
  "connect_link.revoked",
  "connection.health_check_updated",
  "oauth_client.created",
  "oauth_client.updated",
  "oauth_client.deleted",
  "api_key.created",
  "api_key.revoked",
  "agent.registered",
  "agent.revoked",
  "agent.deleted",
  "notification_channel.created",
  "notification_channel.updated",
  "notification_channel.deleted",
  "notification_channel.tested",
  "notification_channel.redelivered",
  "account.password_changed",
  "account.password_reset",
  "account.sessions_revoked",
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_OBJECT_TYPES = ["team", "member", "invitation", "connection", "oauth_client", "api_key", "agent", "account", "notification_channel"] as const;
export type AuditObjectType = (typeof AUDIT_OBJECT_TYPES)[number];

export type AuditInput = {
  teamId: string;
  actor: AuditActor;
  action: AuditAction;
  objectType: AuditObjectType;
  objectId?: string | null;
  objectName?: string | null;
  /** Context only: never a secret value. */
  data?: Prisma.InputJsonObject;
};

/** Always called with the transaction of the change it records, so the log cannot miss a change or record one that rolled back. */
export async function writeAudit(tx: Tx, input: AuditInput): Promise<void> {
  await tx.auditEvent.create({
    data: {
      teamId: input.teamId,
      actorId: input.actor.id,
      actorLabel: input.actor.label,
      ip: input.actor.ip ?? null,
      action: input.action,
      objectType: input.objectType,
      objectId: input.objectId ?? null,
      objectName: input.objectName ?? null,
      data: input.actor.apiKeyId ? { ...input.data, apiKeyId: input.actor.apiKeyId } : (input.data ?? {}),
    },
  });
}
