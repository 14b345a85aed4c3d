import { db } from "../db";
import { configuredKeyring, needsRotation, reencrypt, type Keyring } from "../crypto";
import { verifierContext } from "../oauth/authorize";
import { clientKeyContext, clientSecretContext } from "../oauth/clients";
import { tokenEnvelopeContext } from "../oauth/tokens";
import { webhookSecretContext } from "../webhooks/receive";
import { requestTokenSecretContext } from "./oauth1-flow";
import { channelSecretContext } from "../notifications/channels";

// Re-encrypts every stored secret that is not sealed with the newest key:
// connection secrets, webhook signing secrets, notification channel secrets, OAuth client secrets and private keys, token
// sets, and the PKCE verifiers and OAuth 1.0a temporary secrets of pending authorizations. Safe while the app serves: each row is rewritten
// only if it still holds the envelope that was read (compare-and-set), so a
// concurrent save is never overwritten with older secrets; such a row was
// just sealed with the newest key by that save anyway. Run it after every
// instance has the new keyring.

export type RotationCount = { rotated: number; current: number; skipped: number };

type Table = {
  label: string;
  /** Rows after `after` (by key) whose envelope is set, in key order. */
  page(after: string, take: number): Promise<{ key: string; envelope: string }[]>;
  /** The context the envelope is bound to. */
  context(key: string): string;
  /** Writes `fresh` if the row still holds `envelope`; the number of rows written. */
  swap(key: string, envelope: string, fresh: string): Promise<number>;
};

const TABLES: Table[] = [
  {
    label: "Connections",
    page: async (after, take) =>
      (await db.connection.findMany({ where: { secrets: { not: null }, id: { gt: after } }, select: { id: true, secrets: true }, orderBy: { id: "asc" }, take })).map((r) => ({ key: r.id, envelope: r.secrets! })),
    context: (id) => id,
    swap: async (id, envelope, fresh) => (await db.connection.updateMany({ where: { id, secrets: envelope }, data: { secrets: fresh } })).count,
  },
  {
    label: "Webhook signing secrets",
    page: async (after, take) =>
      (await db.connection.findMany({ where: { webhookSecret: { not: null }, id: { gt: after } }, select: { id: true, webhookSecret: true }, orderBy: { id: "asc" }, take })).map((r) => ({
        key: r.id,
        envelope: r.webhookSecret!,
      })),
    context: webhookSecretContext,
    swap: async (id, envelope, fresh) => (await db.connection.updateMany({ where: { id, webhookSecret: envelope }, data: { webhookSecret: fresh } })).count,
  },
  {
    label: "Notification channels",
    page: async (after, take) =>
      (await db.notificationChannel.findMany({ where: { secret: { not: null }, id: { gt: after } }, select: { id: true, secret: true }, orderBy: { id: "asc" }, take })).map((r) => ({ key: r.id, envelope: r.secret! })),
    context: channelSecretContext,
    swap: async (id, envelope, fresh) => (await db.notificationChannel.updateMany({ where: { id, secret: envelope }, data: { secret: fresh } })).count,
  },
  {
    label: "OAuth clients",
    page: async (after, take) =>
      (await db.oAuthClient.findMany({ where: { clientSecret: { not: null }, id: { gt: after } }, select: { id: true, clientSecret: true }, orderBy: { id: "asc" }, take })).map((r) => ({ key: r.id, envelope: r.clientSecret! })),
    context: clientSecretContext,
    swap: async (id, envelope, fresh) => (await db.oAuthClient.updateMany({ where: { id, clientSecret: envelope }, data: { clientSecret: fresh } })).count,
  },
  {
    label: "OAuth client private keys",
    page: async (after, take) =>
      (await db.oAuthClient.findMany({ where: { privateKey: { not: null }, id: { gt: after } }, select: { id: true, privateKey: true }, orderBy: { id: "asc" }, take })).map((r) => ({ key: r.id, envelope: r.privateKey! })),
    context: clientKeyContext,
    swap: async (id, envelope, fresh) => (await db.oAuthClient.updateMany({ where: { id, privateKey: envelope }, data: { privateKey: fresh } })).count,
  },
  {
    label: "OAuth token sets",
    page: async (after, take) =>
      (await db.tokenSet.findMany({ where: { connectionId: { gt: after } }, select: { connectionId: true, tokens: true }, orderBy: { connectionId: "asc" }, take })).map((r) => ({ key: r.connectionId, envelope: r.tokens })),
    context: tokenEnvelopeContext,
    swap: async (connectionId, envelope, fresh) => (await db.tokenSet.updateMany({ where: { connectionId, tokens: envelope }, data: { tokens: fresh } })).count,
  },
  {
    label: "Pending authorizations",
    page: async (after, take) =>
      (await db.pendingAuthorization.findMany({ where: { codeVerifier: { not: null }, usedAt: null, id: { gt: after } }, select: { id: true, codeVerifier: true }, orderBy: { id: "asc" }, take })).map((r) => ({
        key: r.id,
        envelope: r.codeVerifier!,
      })),
    context: verifierContext,
    swap: async (id, envelope, fresh) => (await db.pendingAuthorization.updateMany({ where: { id, codeVerifier: envelope }, data: { codeVerifier: fresh } })).count,
  },
  {
    label: "OAuth 1.0a pending flows",
    page: async (after, take) =>
      (await db.pendingAuthorization.findMany({ where: { requestTokenSecret: { not: null }, usedAt: null, id: { gt: after } }, select: { id: true, requestTokenSecret: true }, orderBy: { id: "asc" }, take })).map((r) => ({
        key: r.id,
        envelope: r.requestTokenSecret!,
      })),
    context: requestTokenSecretContext,
    swap: async (id, envelope, fresh) => (await db.pendingAuthorization.updateMany({ where: { id, requestTokenSecret: envelope }, data: { requestTokenSecret: fresh } })).count,
  },
];

async function rotateTable(table: Table, keyring: Keyring, batchSize: number): Promise<RotationCount> {
  const count: RotationCount = { rotated: 0, current: 0, skipped: 0 };
  let after = "";
  for (;;) {
    const rows = await table.page(after, batchSize);
    if (rows.length === 0) break;
    for (const row of rows) {
      if (!needsRotation(row.envelope, keyring)) {
        count.current++;
        continue;
      }
      const written = await table.swap(row.key, row.envelope, reencrypt(row.envelope, keyring, table.context(row.key)));
      if (written === 1) count.rotated++;
      else count.skipped++;
    }
    after = rows[rows.length - 1]!.key;
  }
  return count;
}

/** Every table's count, by its label. */
export async function rotateAllSecrets(keyring: Keyring = configuredKeyring(), batchSize = 200): Promise<Record<string, RotationCount>> {
  const result: Record<string, RotationCount> = {};
  for (const table of TABLES) result[table.label] = await rotateTable(table, keyring, batchSize);
  return result;
}

/** Connection secrets only (kept for the callers and tests that rotate those alone). */
export async function rotateConnectionSecrets(keyring: Keyring = configuredKeyring(), batchSize = 200): Promise<RotationCount> {
  return rotateTable(TABLES[0]!, keyring, batchSize);
}
