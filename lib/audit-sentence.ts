import { ROLE_LABEL } from "./access-rules";
import type { AuditAction } from "./audit";
import type { Role } from "./generated/prisma/enums";

// The audit log as a person reads it: "Ada tested Echo API — 200". Each
// action is a verb phrase around the object's name; an outcome, where the
// event has one, follows a dash. The raw action and data stay one click away
// (the page's details row) and in the CSV export.

export type AuditSentence = {
  /** Words before the object's name ("tested", "changed the role of"). */
  before: string;
  /** Whether the object's name belongs in the sentence (no name for "joined the team"). */
  object: boolean;
  /** Words after the object's name ("from the team"). */
  after?: string;
  /** The outcome after a dash: "200", "timed out", "Member → Admin". */
  outcome?: string;
};

type Data = Record<string, unknown>;

const role = (value: unknown) => (typeof value === "string" && value in ROLE_LABEL ? ROLE_LABEL[value as Role] : undefined);

function testOutcome(data: Data): string | undefined {
  if (typeof data.status === "number") return String(data.status);
  if (data.errorKind === "cancelled") return "cancelled";
  if (typeof data.errorKind === "string") return `failed (${data.errorKind})`;
  return undefined;
}

const SENTENCES: Record<AuditAction, (data: Data) => AuditSentence> = {
  "team.created": () => ({ before: "created the team", object: true }),
  "team.renamed": () => ({ before: "renamed the team to", object: true }),
  "team.deleted": () => ({ before: "deleted the team", object: true }),
  "member.invited": (d) => ({ before: "invited", object: true, outcome: role(d.role) }),
  "member.invitation_revoked": () => ({ before: "withdrew an invitation", object: false }),
  "member.joined": (d) => ({ before: "joined the team", object: false, outcome: role(d.role) }),
  "member.role_changed": (d) => ({ before: "changed the role of", object: true, outcome: role(d.from) && role(d.to) ? `${role(d.from)} → ${role(d.to)}` : undefined }),
  "member.removed": () => ({ before: "removed", object: true, after: "from the team" }),
  "member.left": () => ({ before: "left the team", object: false }),
  "connection.created": () => ({ before: "created", object: true }),
  "connection.updated": () => ({ before: "edited", object: true }),
  "connection.duplicated": () => ({ before: "duplicated a connection as", object: true }),
  "connection.deleted": () => ({ before: "deleted", object: true }),
  "connection.tested": (d) => ({ before: "tested", object: true, outcome: testOutcome(d) }),
  "connection.connected": () => ({ before: "connected", object: true, after: "at the provider" }),
  "connection.authorization_failed": () => ({ before: "could not connect", object: true, outcome: "the provider refused" }),
  "connection.token_obtained": () => ({ before: "obtained a token for", object: true }),
  "connection.token_refreshed": () => ({ before: "refreshed the token of", object: true }),
  "connection.refresh_failed": () => ({ before: "could not refresh the token of", object: true }),
  "connection.disconnected": () => ({ before: "disconnected", object: true }),
  "connection.used_via_proxy": (d) => ({ before: "used", object: true, after: "through the proxy", outcome: typeof d.requests === "number" ? `${d.requests} request${d.requests === 1 ? "" : "s"}` : undefined }),
  "connection.webhook_signing_updated": () => ({ before: "changed the webhook signing of", object: true }),
  "connection.webhook_forward_updated": (d) => (typeof d.url === "string" && d.url ? { before: "set the forward URL of", object: true, outcome: d.url } : { before: "stopped forwarding the events of", object: true }),
  "connection.webhook_forward_redelivered": () => ({ before: "forwarded an event again from", object: true }),
  "connection.credentials_read": () => ({ before: "read the credentials of", object: true }),
  "connection.credentials_access_changed": (d) => ({ before: d.allowed ? "let services read the credentials of" : "stopped services reading the credentials of", object: true }),
  "oauth_client.created": () => ({ before: "registered the OAuth client", object: true }),
  "oauth_client.updated": () => ({ before: "edited the OAuth client", object: true }),
  "oauth_client.deleted": () => ({ before: "deleted the OAuth client", object: true }),
  "api_key.created": () => ({ before: "created the API key", object: true }),
  "api_key.revoked": () => ({ before: "revoked the API key", object: true }),
  "agent.registered": () => ({ before: "registered the agent", object: true }),
  "agent.revoked": () => ({ before: "revoked the agent", object: true }),
  "agent.deleted": () => ({ before: "deleted the agent", object: true }),
  "account.password_changed": () => ({ before: "changed their password", object: false }),
  "account.password_reset": () => ({ before: "reset their password", object: false }),
  "notification_channel.created": () => ({ before: "added the notification channel", object: true }),
  "notification_channel.updated": () => ({ before: "edited the notification channel", object: true }),
  "notification_channel.deleted": () => ({ before: "deleted the notification channel", object: true }),
  "notification_channel.tested": () => ({ before: "sent a test event to", object: true }),
  "notification_channel.redelivered": () => ({ before: "redelivered an event to", object: true }),
  "connection.health_check_updated": () => ({ before: "changed the health check of", object: true }),
  "connect_link.created": () => ({ before: "sent a connect link for", object: true }),
  "connect_link.opened": () => ({ before: "opened a connect link for", object: true }),
  "connect_link.completed": () => ({ before: "connected", object: true, after: "through a connect link" }),
  "connect_link.revoked": () => ({ before: "revoked a connect link for", object: true }),
  "account.sessions_revoked": (d) => ({ before: "signed out their other sessions", object: false, outcome: typeof d.count === "number" ? `${d.count} ended` : undefined }),
};

export function auditSentence(action: string, data: unknown): AuditSentence {
  const fields = data && typeof data === "object" && !Array.isArray(data) ? (data as Data) : {};
  const sentence = Object.hasOwn(SENTENCES, action) ? SENTENCES[action as AuditAction] : undefined;
  // An action this build does not know (written by a newer one): its code, still readable.
  return sentence ? sentence(fields) : { before: action, object: true };
}
