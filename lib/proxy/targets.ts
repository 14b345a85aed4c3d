import { createHash } from "node:crypto";
import type { Agent } from "undici";
import { config } from "../config";
import { db } from "../db";
import type { AuditActor } from "../audit";
import { openSecrets } from "../connections";
import type { ResolvedAuth } from "../connections/apply-auth";
import { isOAuthType, isReceiverType, RECEIVER_HAS_NO_API } from "../connections/schemas";
import { resolveAuth, storedConfigSchema } from "../connections/stored";
import { oauth1FlowTokens } from "../connections/oauth1-flow";
import { connectionTls } from "../connections/tls";
import { currentAccessToken, TokenProblem, type ConnectionForTokens, type CurrentToken } from "../oauth/tokens";
import { isFresh } from "../oauth/freshness";
import { DEFAULT_EXPIRED_RULE, type ExpiredRule } from "../oauth/expired-signal";
import { OutboundError } from "../outbound";
import { checkDestination, createPooledDispatcher, type StreamRequest } from "../outbound/stream";
import { parseTarget } from "../outbound/destination";
import { connectionTunnel } from "../agents/tunnel";
import { connectionNotFound, ProxyError } from "./errors";

// What the proxy needs of a connection, decrypted, kept in process memory
// for KEYWAY_PROXY_CACHE_MS at most, and only while it is current: until a
// change notification evicts it (invalidation.ts), or, without notifications,
// while the version each request's check query reads is the one it was built
// from (check.ts). The pooled dispatcher outlives a rebuild when the TLS
// material is the same, so keep-alive sockets survive the short cache lifetime.

export type ProxyTarget = {
  connectionId: string;
  teamId: string;
  name: string;
  /** The version it was built from; null when built under change notifications. */
  version: string | null;
  builtAt: number;
  baseUrl: URL;
  /** Base URL's path without its trailing slash: what every proxied path must stay under. */
  basePath: string;
  /** The credentials of non-OAuth types. */
  staticAuth: ResolvedAuth | null;
  /** OAuth2 types: the access token of the moment, replaced when it goes stale or the API refuses it. */
  token: CurrentToken | null;
  forTokens: ConnectionForTokens;
  /** OAuth2 types: what tells an expired token, besides its expiry time. */
  tokenExpired: ExpiredRule;
  /** This process's pooled sockets, or the private-network connection's agent. */
  via: StreamRequest["via"];
  sendsClientCertificate: boolean;
};

const DISPATCHER_IDLE_MS = 60_000;

type PooledDispatcher = { fingerprint: string; agent: Agent; lastUsed: number };

const state = globalThis as unknown as {
  keywayProxyTargets?: Map<string, ProxyTarget>;
  keywayProxyBuilding?: Map<string, Promise<ProxyTarget>>;
  keywayProxyDispatchers?: Map<string, PooledDispatcher>;
  keywayProxySweep?: ReturnType<typeof setInterval>;
  keywayProxyTargetGeneration?: { value: number };
};
const targets = (state.keywayProxyTargets ??= new Map());
const building = (state.keywayProxyBuilding ??= new Map());
const dispatchers = (state.keywayProxyDispatchers ??= new Map());
// Bumped by every eviction: a build that started before one must not be kept.
const generation = (state.keywayProxyTargetGeneration ??= { value: 0 });

export function evictConnection(connectionId: string): void {
  generation.value += 1;
  targets.delete(connectionId);
}

/** A registered OAuth client changed: every connection using it is rebuilt. */
export function evictClient(oauthClientId: string): void {
  generation.value += 1;
  for (const [id, target] of targets) if (target.forTokens.oauthClientId === oauthClientId) targets.delete(id);
}

export function evictAllTargets(): void {
  generation.value += 1;
  targets.clear();
}

function startSweeping() {
  if (state.keywayProxySweep) return;
  // Decrypted secrets must not linger after their few seconds, even for a connection nobody calls again.
  state.keywayProxySweep = setInterval(() => {
    const now = Date.now();
    const maxAge = config().KEYWAY_PROXY_CACHE_MS;
    for (const [id, target] of targets) if (now - target.builtAt >= maxAge) targets.delete(id);
    for (const [id, pooled] of dispatchers) {
      if (now - pooled.lastUsed >= DISPATCHER_IDLE_MS && !targets.has(id)) {
        dispatchers.delete(id);
        void pooled.agent.close().catch(() => undefined);
      }
    }
  }, 1_000);
  state.keywayProxySweep.unref();
}

/** Tests: drop every cached connection and close pooled sockets. */
export async function clearProxyTargets(): Promise<void> {
  targets.clear();
  building.clear();
  const pooled = [...dispatchers.values()];
  dispatchers.clear();
  await Promise.all(pooled.map((p) => p.agent.destroy().catch(() => undefined)));
}

/** lib/oauth/tokens.ts's current token, with its TokenProblem as Keyway's error. */
async function tokenFor(connection: ConnectionForTokens, actor: AuditActor, rejected?: string): Promise<CurrentToken> {
  try {
    return await currentAccessToken(connection, actor, { rejected });
  } catch (error) {
    if (!(error instanceof TokenProblem)) throw error;
    if (error.kind === "needs-reauth" || error.kind === "not-connected") {
      throw new ProxyError(409, "needs_reauthorization", `The connection “${connection.name}” needs to be connected again in Keyway before it can be used: ${error.message}`);
    }
    throw new ProxyError(502, "token_request_failed", `Keyway could not get an access token for the connection “${connection.name}”: ${error.message}`);
  }
}

export function outboundAsProxyError(error: OutboundError): ProxyError {
  switch (error.kind) {
    case "blocked":
      return new ProxyError(403, "destination_blocked", error.message);
    case "timeout":
      return new ProxyError(504, "upstream_timeout", error.message);
    case "invalid-url":
      return new ProxyError(409, "connection_misconfigured", `The connection's base URL cannot be used: ${error.message}`);
    case "agent":
      return new ProxyError(503, "agent_unavailable", error.message);
    default:
      return new ProxyError(502, "upstream_unreachable", error.message);
  }
}

function dispatcherFor(connectionId: string, fingerprint: string, build: () => Agent): Agent {
  const existing = dispatchers.get(connectionId);
  if (existing && existing.fingerprint === fingerprint) {
    existing.lastUsed = Date.now();
    return existing.agent;
  }
  // Requests still running on the old one finish first (close, not destroy).
  if (existing) void existing.agent.close().catch(() => undefined);
  const agent = build();
  dispatchers.set(connectionId, { fingerprint, agent, lastUsed: Date.now() });
  return agent;
}

async function build(teamId: string, connectionId: string, version: string | null, actor: AuditActor): Promise<ProxyTarget> {
  const row = await db.connection.findFirst({
    where: { id: connectionId, teamId },
    select: { id: true, teamId: true, name: true, authType: true, oauthClientId: true, agentId: true, config: true, secrets: true, baseUrl: true, clientCertPem: true, clientCaPem: true },
  });
  if (!row) throw connectionNotFound();
  if (isReceiverType(row.authType)) throw new ProxyError(409, "connection_is_webhook_receiver", RECEIVER_HAS_NO_API);

  let baseUrl: URL;
  try {
    // Behind an agent, the agent's allow list decides which addresses are fine.
    baseUrl = row.agentId ? parseTarget(row.baseUrl) : checkDestination(row.baseUrl);
  } catch (error) {
    if (error instanceof OutboundError) throw outboundAsProxyError(error);
    throw error;
  }
  const secrets = openSecrets(row.id, row.secrets);
  let staticAuth: ResolvedAuth | null = null;
  let token: CurrentToken | null = null;
  let tokenExpired = DEFAULT_EXPIRED_RULE;
  if (isOAuthType(row.authType)) {
    tokenExpired = storedConfigSchema.safeParse(row.config ?? {}).data?.oauth?.tokenExpired ?? DEFAULT_EXPIRED_RULE;
    token = await tokenFor(row, actor);
  } else {
    try {
      const config = storedConfigSchema.parse(row.config ?? {});
      staticAuth = resolveAuth(row.authType, config, secrets, await oauth1FlowTokens(row.id, config));
    } catch (error) {
      throw new ProxyError(409, "connection_misconfigured", error instanceof Error ? error.message : "The connection's authentication could not be read.");
    }
  }

  const tls = connectionTls(row, secrets);
  const tunnel = connectionTunnel(row);
  let via: ProxyTarget["via"];
  if (tunnel) {
    via = { tunnel, tls };
  } else {
    const fingerprint = createHash("sha256").update(JSON.stringify([baseUrl.origin, tls.cert ?? "", tls.key ?? "", tls.passphrase ?? "", tls.ca ?? ""])).digest("hex");
    via = { dispatcher: dispatcherFor(row.id, fingerprint, () => createPooledDispatcher({ tls })) };
  }
  return {
    connectionId: row.id,
    teamId: row.teamId,
    name: row.name,
    version,
    builtAt: Date.now(),
    baseUrl,
    basePath: baseUrl.pathname.replace(/\/+$/, ""),
    staticAuth,
    token,
    forTokens: row,
    tokenExpired,
    via,
    sendsClientCertificate: Boolean(tls.cert),
  };
}

/**
 * The cached target when it is still current, else a new one (one build per
 * connection and version at a time). `version` is what the check query read,
 * or null under change notifications.
 */
export async function proxyTarget(teamId: string, connectionId: string, version: string | null, actor: AuditActor): Promise<ProxyTarget> {
  const cached = currentProxyTarget(teamId, connectionId, version);
  if (cached) return cached;
  const flightKey = `${teamId}:${connectionId}:${version ?? ""}:${generation.value}`;
  let flight = building.get(flightKey);
  if (!flight) {
    const started = generation.value;
    flight = build(teamId, connectionId, version, actor)
      .then((target) => {
        if (generation.value === started) targets.set(connectionId, target);
        startSweeping();
        return target;
      })
      .finally(() => building.delete(flightKey));
    building.set(flightKey, flight);
  }
  return flight;
}

/** The cached target while it is current, without a promise (the proxy's common case); undefined when proxyTarget must build it. */
export function currentProxyTarget(teamId: string, connectionId: string, version: string | null): ProxyTarget | undefined {
  const cached = targets.get(connectionId);
  if (!cached || cached.version !== version || cached.teamId !== teamId || Date.now() - cached.builtAt >= config().KEYWAY_PROXY_CACHE_MS) return undefined;
  const pooled = dispatchers.get(connectionId);
  if (pooled) pooled.lastUsed = Date.now();
  return cached;
}

/** The target's access token while it is fresh, without a promise: the proxy's common case. */
export function freshBearerToken(target: ProxyTarget, rejected?: string): string | null {
  const current = target.token;
  return current && isFresh(current.freshness) && current.accessToken !== rejected ? current.accessToken : null;
}

/** The target's access token, refreshed first when it is about to expire or `rejected` (the API refused it). */
export async function bearerToken(target: ProxyTarget, actor: AuditActor, rejected?: string): Promise<string> {
  const fresh = freshBearerToken(target, rejected);
  if (fresh !== null) return fresh;
  target.token = await tokenFor(target.forTokens, actor, rejected);
  return target.token.accessToken;
}
