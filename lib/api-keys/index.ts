import { randomBytes } from "node:crypto";
import { db } from "../db";
import { writeAudit, type AuditActor } from "../audit";
import { DomainError } from "../errors";
import { API_KEY_EXPIRY_CHOICES, type ApiKeyCreateInput } from "./schemas";
import { evictKey } from "../proxy/keys";
import { newApiKey } from "./secret";
import type { ApiKeyScope } from "./scopes";
import { pendingLastUsed } from "./usage";

// A team's API keys (admins only; the pages and actions check the role). Every
// function takes the team id requireMember resolved, so another team's key is
// not found.

export type ApiKeyState = "active" | "expired" | "revoked";

export type ApiKeyRow = {
  id: string;
  name: string;
  prefix: string;
  createdByLabel: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  revokedByLabel: string | null;
  scopes: string[];
  state: ApiKeyState;
};

export function apiKeyState(key: { expiresAt: Date | null; revokedAt: Date | null }, now = Date.now()): ApiKeyState {
  if (key.revokedAt) return "revoked";
  if (key.expiresAt && key.expiresAt.getTime() <= now) return "expired";
  return "active";
}

function newApiKeyId(): string {
  return `ak${randomBytes(12).toString("hex")}`;
}

function apiKeyNotFound(): DomainError {
  return new DomainError("That API key does not exist in this team.", 404);
}

/** Creates a key and returns it whole: the only moment it exists outside the caller's hands. */
/** Without scopes, a key for the proxy: what every key was before scopes existed. */
export async function createApiKey(teamId: string, actor: AuditActor, request: Omit<ApiKeyCreateInput, "scopes"> & { scopes?: ApiKeyScope[] }, now: Date = new Date()) {
  const input = { ...request, scopes: request.scopes ?? (["proxy"] satisfies ApiKeyScope[]) };
  const days = API_KEY_EXPIRY_CHOICES.find((c) => c.value === input.expiresIn)?.days ?? null;
  const expiresAt = days === null ? null : new Date(now.getTime() + days * 24 * 60 * 60 * 1000);
  const { key, prefix, keyHash } = newApiKey();
  const id = newApiKeyId();
  await db.$transaction(async (tx) => {
    await tx.apiKey.create({ data: { id, teamId, name: input.name, prefix, keyHash, createdById: actor.id, createdByLabel: actor.label, expiresAt, scopes: input.scopes } });
    await writeAudit(tx, {
      teamId,
      actor,
      action: "api_key.created",
      objectType: "api_key",
      objectId: id,
      objectName: input.name,
      data: { prefix, expiresAt: expiresAt?.toISOString() ?? null, scopes: input.scopes },
    });
  });
  return { id, key, prefix, name: input.name, expiresAt, scopes: input.scopes };
}

export async function listApiKeys(teamId: string): Promise<ApiKeyRow[]> {
  const rows = await db.apiKey.findMany({
    where: { teamId },
    orderBy: [{ revokedAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
    select: { id: true, name: true, prefix: true, createdByLabel: true, createdAt: true, expiresAt: true, lastUsedAt: true, revokedAt: true, revokedByLabel: true, scopes: true },
  });
  const now = Date.now();
  return rows.map((row) => {
    // This instance may have seen a use it has not written yet.
    const pending = pendingLastUsed(row.id);
    const lastUsedAt = pending && (!row.lastUsedAt || pending > row.lastUsedAt) ? pending : row.lastUsedAt;
    return { ...row, lastUsedAt, state: apiKeyState(row, now) };
  });
}

/** Revoking takes effect on every instance from its next request (lib/db/notifications.ts). */
export async function revokeApiKey(teamId: string, actor: AuditActor, apiKeyId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const key = await tx.apiKey.findFirst({ where: { id: apiKeyId, teamId }, select: { id: true, name: true, prefix: true, revokedAt: true } });
    if (!key) throw apiKeyNotFound();
    if (key.revokedAt) return;
    await tx.apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date(), revokedByLabel: actor.label } });
    await writeAudit(tx, { teamId, actor, action: "api_key.revoked", objectType: "api_key", objectId: key.id, objectName: key.name, data: { prefix: key.prefix } });
  });
  // Other instances hear of it from the database's notification; this one need not wait for it.
  evictKey(apiKeyId);
}
