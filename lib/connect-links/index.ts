import { createHash, randomBytes } from "node:crypto";
import { z } from "zod";
import { decodeCursor, encodeCursor } from "../api/pagination";
import { db } from "../db";
import { writeAudit, type AuditActor } from "../audit";
import { publicUrl } from "../config";
import { DomainError } from "../errors";
import { connectionNotFound, openSecrets, sealSecrets } from "../connections";
import { storedConfigSchema, type SecretHints, type StoredConfig } from "../connections/stored";
import { isServiceAccountType } from "../connections/schemas";
import { exchangeCode, hashState, recordFailure, startAuthorization, type CallbackRefusal } from "../oauth/authorize";
import { connectionOAuthSettings } from "../oauth/settings";
import { providerTemplate } from "../oauth/providers";
import { forgetTokenFailures } from "../oauth/tokens";
import { fieldErrorsOf } from "../forms";
import { connectLinkTokenSchema, type ConnectLinkCreateInput } from "./schemas";
import { fillSlots, secretSlots, type SecretSlot } from "./secret-slots";
import { secretSlotsSchema } from "./slot-schema";
import { assertionKeyProblem } from "../oauth/assertion-key";
import type { AssertionAlg } from "../oauth/schemas";
import { parseServiceAccountKey } from "../oauth/service-account";

// Connect links: a member sends a link to someone outside the team (the owner
// of the provider account, a customer) who opens it without a Keyway account
// and authorizes the one connection at the provider, or types its secrets.
//
// The link's token is 32 random bytes; only its SHA-256 is kept, so a reader
// of the database cannot use a link. A link is used once (the first completed
// authorization or secret form spends it), expires, and can be revoked. What
// the page shows is the team's name, the connection's name, the provider and
// the scopes: nothing else of the team. Every step is in the team's audit log
// under the connection.

export type ConnectLinkState = "active" | "used" | "expired" | "revoked";

type LinkRow = { id: string; expiresAt: Date; openedAt: Date | null; usedAt: Date | null; revokedAt: Date | null };

export function connectLinkState(link: LinkRow, now = Date.now()): ConnectLinkState {
  if (link.usedAt) return "used";
  if (link.revokedAt) return "revoked";
  if (link.expiresAt.getTime() <= now) return "expired";
  return "active";
}

function sha256(value: string): string {
  return createHash("sha256").update(value).digest("base64url");
}

export function connectLinkUrl(token: string): string {
  return `${publicUrl()}/connect/${token}`;
}

/** Who acts when the person with the link does something: not a member, so the link (and who made it) is named. */
function linkActor(link: { id: string; createdByLabel: string }, ip: string | null): AuditActor {
  return { id: null, label: `Connect link ${link.id.slice(0, 10)}… (sent by ${link.createdByLabel})`, ip };
}

/** "oauth": authorized at the provider; "secrets": the secret fields typed; null: nothing a link could do. */
function linkKind(authType: string, slots: SecretSlot[]): "oauth" | "secrets" | null {
  if (authType === "OAUTH2_CODE") return "oauth";
  return slots.length > 0 ? "secrets" : null;
}

function slotsOf(connection: { authType: string; config: unknown; secretHints: unknown }): SecretSlot[] {
  return secretSlots(connection.authType, storedConfigSchema.parse(connection.config ?? {}), (connection.secretHints ?? {}) as SecretHints);
}

const LINK_VIEW = { id: true, connectionId: true, createdByLabel: true, createdAt: true, expiresAt: true, openedAt: true, usedAt: true, revokedAt: true, revokedByLabel: true } as const;

export type ConnectLinkView = { id: string; connectionId: string; createdByLabel: string; createdAt: Date; expiresAt: Date; openedAt: Date | null; usedAt: Date | null; revokedAt: Date | null; revokedByLabel: string | null; state: ConnectLinkState };

function view(row: Omit<ConnectLinkView, "state">): ConnectLinkView {
  return { ...row, state: connectLinkState(row) };
}

/** Creates a link; the answer holds its URL, once (only the token's hash is kept). Members and admins, through the page or a connections:write key. */
export async function createConnectLink(teamId: string, actor: AuditActor, connectionId: string, input: ConnectLinkCreateInput): Promise<{ link: ConnectLinkView; url: string }> {
  const connection = await db.connection.findFirst({ where: { id: connectionId, teamId }, select: { id: true, name: true, authType: true, config: true, secretHints: true } });
  if (!connection) throw connectionNotFound();
  if (!linkKind(connection.authType, slotsOf(connection))) {
    throw new DomainError("A connect link needs something to authorize or type: an OAuth2 authorization code connection, or one with secret fields. This connection has neither.", 409);
  }
  const token = `kwl_${randomBytes(32).toString("base64url")}`;
  const id = `cl${randomBytes(12).toString("hex")}`;
  const expiresAt = new Date(Date.now() + input.expiresInHours * 60 * 60 * 1000);
  const created = await db.$transaction(async (tx) => {
    const row = await tx.connectLink.create({
      data: { id, teamId, connectionId, tokenHash: sha256(token), createdById: actor.id, createdByLabel: actor.label, expiresAt },
      select: LINK_VIEW,
    });
    await writeAudit(tx, { teamId, actor, action: "connect_link.created", objectType: "connection", objectId: connection.id, objectName: connection.name, data: { connectLinkId: id, expiresAt: expiresAt.toISOString() } });
    return row;
  });
  return { link: view(created), url: connectLinkUrl(token) };
}

/** A connection's links, newest first; `before` is the (createdAt, id) a previous page ended on (keyset: a link made meanwhile neither shifts nor repeats a page). */
export async function listConnectLinks(teamId: string, connectionId: string, take = 20, before?: { createdAt: Date; id: string } | null): Promise<ConnectLinkView[]> {
  const older = before ? { OR: [{ createdAt: { lt: before.createdAt } }, { createdAt: before.createdAt, id: { lt: before.id } }] } : {};
  const rows = await db.connectLink.findMany({ where: { teamId, connectionId, ...older }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take, select: LINK_VIEW });
  return rows.map(view);
}

export const CONNECT_LINKS_PAGE_SIZE = 20;

/** The connection page's page of links: `older` is the cursor of the next (older) page, null on the last; a cursor that does not parse reads as the first page. */
export async function connectLinksPage(teamId: string, connectionId: string, cursor?: string | null): Promise<{ links: ConnectLinkView[]; older: string | null }> {
  const decoded = cursor ? decodeCursor(cursor, z.tuple([z.iso.datetime(), z.string().max(100)])) : null;
  const before = decoded ? { createdAt: new Date(decoded[0]), id: decoded[1] } : null;
  const rows = await listConnectLinks(teamId, connectionId, CONNECT_LINKS_PAGE_SIZE + 1, before);
  const links = rows.slice(0, CONNECT_LINKS_PAGE_SIZE);
  const last = links.at(-1);
  return { links, older: rows.length > CONNECT_LINKS_PAGE_SIZE && last ? encodeCursor([last.createdAt.toISOString(), last.id]) : null };
}

/** The link completed in the last seven days, if any: the connection page announces it to the team. */
export function recentlyCompletedLink(links: ConnectLinkView[], now = Date.now()): ConnectLinkView | undefined {
  return links.find((link) => link.usedAt && now - link.usedAt.getTime() < 7 * 24 * 60 * 60 * 1000);
}

export async function revokeConnectLink(teamId: string, actor: AuditActor, connectionId: string, linkId: string): Promise<void> {
  await db.$transaction(async (tx) => {
    const link = await tx.connectLink.findFirst({ where: { id: linkId, teamId, connectionId }, select: { ...LINK_VIEW, connection: { select: { name: true } } } });
    if (!link) throw new DomainError("That connect link does not exist on this connection.", 404);
    if (link.usedAt) throw new DomainError("This link was already used; there is nothing left to revoke.", 409);
    if (link.revokedAt) return;
    // Conditional, so a link completed at this very moment is not also marked revoked.
    const { count } = await tx.connectLink.updateMany({ where: { id: linkId, usedAt: null, revokedAt: null }, data: { revokedAt: new Date(), revokedByLabel: actor.label } });
    if (count === 0) throw new DomainError("This link was used a moment ago; there is nothing left to revoke.", 409);
    await writeAudit(tx, { teamId, actor, action: "connect_link.revoked", objectType: "connection", objectId: connectionId, objectName: link.connection.name, data: { connectLinkId: linkId } });
  });
}

// ---- The side of the person who opens the link (no session) ----

/**
 * What the connection form's save checks beyond its schema (lib/connections/stored.ts
 * storeAuth): that Node can sign with a pasted key, with the algorithm the team chose.
 * Keyed by slot; empty when every value can be used.
 */
function slotValueProblems(config: StoredConfig, values: Record<string, string>): Record<string, string> {
  const problems: Record<string, string> = {};
  const alg: AssertionAlg = config.oauth?.assertionAlg ?? "RS256";
  for (const [key, value] of Object.entries(values)) {
    if (key === "serviceAccountKey") {
      const parsed = parseServiceAccountKey(value);
      const problem = "problem" in parsed ? parsed.problem : assertionKeyProblem(parsed.privateKeyPem, "RS256");
      if (problem) problems[key] = "problem" in parsed ? problem : `The key file's private_key cannot sign: ${problem}`;
    } else if (key === "assertionKeyPem" || key === "clientPrivateKeyPem") {
      const problem = assertionKeyProblem(value, alg);
      if (problem) problems[key] = problem;
    }
  }
  return problems;
}


/** What the link's page may show: the asking team, the connection, the provider and the scopes, or the secret fields' names. */
export type OpenedConnectLink = {
  teamName: string;
  connectionName: string;
  expiresAt: Date;
} & ({ kind: "oauth"; provider: string; scopes: string[] } | { kind: "secrets"; slots: SecretSlot[] });

export type ConnectLinkLookup = { state: "active"; link: OpenedConnectLink } | { state: Exclude<ConnectLinkState, "active"> | "unknown" };

async function findByToken(token: string) {
  if (!connectLinkTokenSchema.safeParse(token).success) return null;
  return db.connectLink.findUnique({
    where: { tokenHash: sha256(token) },
    include: { connection: { select: { id: true, teamId: true, name: true, authType: true, config: true, secrets: true, secretHints: true, oauthClientId: true, agentId: true, team: { select: { name: true } } } } },
  });
}

function providerName(provider: string | null, authorizationUrl: string | null): string {
  const template = provider ? providerTemplate(provider) : undefined;
  if (template) return template.name;
  try {
    return authorizationUrl ? new URL(authorizationUrl).host : "the provider";
  } catch {
    return "the provider";
  }
}

/** Looks a link up by its token; the first open of a usable link is audited (and shown to the team). */
export async function openConnectLink(token: string, ip: string | null): Promise<ConnectLinkLookup> {
  const link = await findByToken(token);
  if (!link) return { state: "unknown" };
  const state = connectLinkState(link);
  if (state !== "active") return { state };
  const { connection } = link;
  if (!link.openedAt) {
    await db.$transaction(async (tx) => {
      const { count } = await tx.connectLink.updateMany({ where: { id: link.id, openedAt: null }, data: { openedAt: new Date() } });
      if (count === 1) await writeAudit(tx, { teamId: link.teamId, actor: linkActor(link, ip), action: "connect_link.opened", objectType: "connection", objectId: connection.id, objectName: connection.name, data: { connectLinkId: link.id } });
    });
  }
  const base = { teamName: connection.team.name, connectionName: connection.name, expiresAt: link.expiresAt };
  if (connection.authType === "OAUTH2_CODE") {
    const settings = await connectionOAuthSettings(connection);
    return { state: "active", link: { ...base, kind: "oauth", provider: providerName(settings.provider, settings.endpoints.authorizationUrl ?? null), scopes: settings.scopes } };
  }
  const slots = slotsOf(connection);
  // Changed to a type with nothing to type since the link was made: the link cannot be used.
  if (slots.length === 0) return { state: "revoked" };
  return { state: "active", link: { ...base, kind: "secrets", slots } };
}

function refusedLink(state: ConnectLinkLookup["state"]): DomainError {
  const text = state === "used" ? "This link was already used." : state === "expired" ? "This link has expired." : state === "revoked" ? "This link was revoked." : "This link is not valid.";
  return new DomainError(`${text} Ask the person who sent it for a new one.`, 410);
}

/**
 * Starts the authorization at the provider for the person holding the link.
 * The pending authorization is bound to the link and to a nonce the caller
 * puts in a cookie of this browser: the callback is accepted only with it, so
 * a provider answer cannot be replayed into another browser's flow.
 */
export async function startConnectLinkAuthorization(token: string, ip: string | null): Promise<{ nonce: string } & ({ url: string } | { failed: string })> {
  const link = await findByToken(token);
  const state = link ? connectLinkState(link) : "unknown";
  if (!link || state !== "active") throw refusedLink(state);
  if (link.connection.authType !== "OAUTH2_CODE") throw new DomainError("This link is for typing secrets, not for authorizing at a provider.", 400);
  const nonce = randomBytes(32).toString("base64url");
  const started = await startAuthorization(link.teamId, { connectLinkId: link.id, browserHash: sha256(nonce) }, linkActor(link, ip), link.connectionId);
  return "failed" in started ? { nonce, failed: started.failed } : { nonce, url: started.url };
}

export type LinkCallbackResult = { kind: "refused"; reason: CallbackRefusal } | { kind: "finished"; pendingId: string };

class LinkGone extends Error {}

/**
 * The universal callback's part for connect links: null when the state is
 * not a link's (the member flow handles it). The answer must come back to
 * the browser that started it (the cookie's nonce), within ten minutes, once;
 * and the link must still be usable when the tokens are stored, which is
 * when it is spent.
 */
export async function completeConnectLinkAuthorization(params: URLSearchParams, nonce: string | undefined, ip: string | null): Promise<LinkCallbackResult | null> {
  const state = params.get("state");
  if (!state) return null;
  const stateHash = hashState(state);
  const found = await db.pendingAuthorization.findUnique({ where: { stateHash }, select: { connectLinkId: true, browserHash: true, usedAt: true } });
  if (!found?.connectLinkId) return null;
  const browserHash = nonce ? sha256(nonce) : null;
  if (browserHash === null || browserHash !== found.browserHash) return { kind: "refused", reason: "other-browser" };
  const claimed = await db.pendingAuthorization.updateManyAndReturn({ where: { stateHash, usedAt: null, browserHash, expiresAt: { gt: new Date() } }, data: { usedAt: new Date() } });
  const pending = claimed[0];
  if (!pending) return { kind: "refused", reason: found.usedAt ? "used-state" : "expired-state" };

  const link = await db.connectLink.findUniqueOrThrow({ where: { id: found.connectLinkId }, select: { id: true, teamId: true, createdByLabel: true } });
  const connection = await db.connection.findFirst({ where: { id: pending.connectionId, teamId: pending.teamId } });
  if (!connection || connection.authType !== "OAUTH2_CODE") return { kind: "refused", reason: "no-access" };
  const actor = linkActor(link, ip);
  try {
    await exchangeCode(
      pending,
      connection,
      actor,
      params,
      state,
      async (tx) => {
        const { count } = await tx.connectLink.updateMany({ where: { id: link.id, usedAt: null, revokedAt: null, expiresAt: { gt: new Date() } }, data: { usedAt: new Date() } });
        if (count === 0) throw new LinkGone();
        await writeAudit(tx, { teamId: link.teamId, actor, action: "connect_link.completed", objectType: "connection", objectId: connection.id, objectName: connection.name, data: { connectLinkId: link.id, via: "authorization" } });
      },
      { connectLinkId: link.id },
    );
  } catch (error) {
    if (!(error instanceof LinkGone)) throw error;
    await recordFailure(pending.id, connection, actor, "link_no_longer_valid", "The connect link was revoked, used or expired while the authorization was at the provider; nothing was stored.");
  }
  return { kind: "finished", pendingId: pending.id };
}

/** How a link's authorization ended, for the browser that started it only (its cookie's nonce). */
export async function connectLinkOutcome(pendingId: string, nonce: string | undefined) {
  if (!nonce || !/^pa[0-9a-f]{24}$/.test(pendingId)) return null;
  return db.pendingAuthorization.findFirst({
    where: { id: pendingId, browserHash: sha256(nonce), connectLinkId: { not: null }, outcome: { not: null } },
    select: { outcome: true, errorCode: true, errorDescription: true, connection: { select: { name: true, team: { select: { name: true } } } } },
  });
}

/**
 * Saves the secret fields typed on a link's page into the connection (the
 * other settings stay as the team set them) and spends the link, in one
 * transaction. Field errors come back keyed by slot.
 */
export async function submitConnectLinkSecrets(token: string, values: Record<string, unknown>, ip: string | null): Promise<{ ok: true } | { fieldErrors: Record<string, string> }> {
  const link = await findByToken(token);
  const state = link ? connectLinkState(link) : "unknown";
  if (!link || state !== "active") throw refusedLink(state);
  const slots = slotsOf(link.connection);
  if (linkKind(link.connection.authType, slots) !== "secrets") throw new DomainError("This link is for authorizing at a provider, not for typing secrets.", 400);
  const parsed = secretSlotsSchema(slots).safeParse(values);
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error) };
  const problems = slotValueProblems(storedConfigSchema.parse(link.connection.config ?? {}), parsed.data);
  if (Object.keys(problems).length > 0) return { fieldErrors: problems };
  const actor = linkActor(link, ip);
  await db.$transaction(async (tx) => {
    // Locked so a member's save at the same moment cannot merge with stale secrets.
    const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Connection" WHERE id = ${link.connectionId} FOR UPDATE`;
    if (rows.length === 0) throw refusedLink("revoked");
    const { count } = await tx.connectLink.updateMany({ where: { id: link.id, usedAt: null, revokedAt: null, expiresAt: { gt: new Date() } }, data: { usedAt: new Date() } });
    if (count === 0) throw refusedLink("used");
    const saved = await tx.connection.findUniqueOrThrow({ where: { id: link.connectionId } });
    // The settings may have changed since the page was shown: only slots the connection still has are written.
    const current = new Set(slotsOf(saved).map((slot) => slot.key));
    const typed = Object.fromEntries(Object.entries(parsed.data).filter(([key]) => current.has(key)));
    const savedConfig = storedConfigSchema.parse(saved.config ?? {});
    // Checked again on the settings as they are now (an algorithm may have changed meanwhile).
    const problems = slotValueProblems(savedConfig, typed);
    if (Object.keys(problems).length > 0) throw new DomainError(Object.values(problems)[0]!, 400);
    const filled = fillSlots(savedConfig, openSecrets(saved.id, saved.secrets), (saved.secretHints ?? {}) as SecretHints, typed);
    // A token obtained with the old secret or key is not proof of the new one.
    if (saved.authType === "OAUTH2_CLIENT_CREDENTIALS" || isServiceAccountType(saved.authType)) await tx.tokenSet.deleteMany({ where: { connectionId: saved.id } });
    await tx.connection.update({
      where: { id: saved.id },
      data: { config: filled.config, secrets: sealSecrets(saved.id, filled.secrets), secretHints: filled.hints, status: "UNTESTED" },
    });
    await writeAudit(tx, {
      teamId: link.teamId,
      actor,
      action: "connect_link.completed",
      objectType: "connection",
      objectId: saved.id,
      objectName: saved.name,
      data: { connectLinkId: link.id, via: "secrets", fields: slots.filter((slot) => current.has(slot.key)).map((slot) => slot.label) },
    });
  });
  // Token requests that failed with the old secret say nothing about the new one: the next use asks at once.
  forgetTokenFailures(link.connectionId);
  return { ok: true };
}
