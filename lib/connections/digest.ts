import { createHash, randomBytes } from "node:crypto";

// HTTP Digest authentication (RFC 7616, and RFC 2617 servers without qop) as
// a client: the challenge round trip happens inside Keyway, for test requests
// and the proxy alike. Each connection keeps the last challenge it was given
// (per process), so later requests answer it at once with the next nonce
// count, and only the first request, or one whose nonce went stale, costs a
// 401. The hash formulas are RFC 7616 3.4.1-3.4.2 (a few lines; no kept npm
// client library does SHA-256 and the -sess variants without also taking
// over the HTTP client).

export type DigestAuth = { authType: "DIGEST"; username: string; password: string };

export const DIGEST_ALGORITHMS = ["MD5", "MD5-sess", "SHA-256", "SHA-256-sess"] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

export type DigestChallenge = {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: DigestAlgorithm;
  /** "auth" when the server offers it; absent for an RFC 2069 server (no qop, no nonce count). */
  qop?: "auth";
  stale: boolean;
  userhash: boolean;
};

/** A request body this small is kept in memory so the request can be sent again after a challenge. */
export const DIGEST_REPLAY_BODY_BYTES = 64 * 1024;

/** The API's Digest challenge asks for something Keyway cannot answer: the API's side, told in words. */
export class DigestProblem extends Error {
  readonly kind = "digest";
}

/** auth-params of one challenge (RFC 9110 11.2): token=token or token="quoted string". */
function parseParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  const param = /\s*([!#$%&'*+\-.^_`|~0-9A-Za-z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?/gy;
  let match: RegExpExecArray | null;
  while ((match = param.exec(text)) !== null) {
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, "$1") : (match[3] ?? "");
    params.set(match[1]!.toLowerCase(), value);
    if (param.lastIndex >= text.length) break;
  }
  return params;
}

/** Splits WWW-Authenticate values into challenges: a scheme name starts each ("Digest realm=…, Basic realm=…"). */
function challengesOf(header: string | string[]): { scheme: string; params: string }[] {
  const out: { scheme: string; params: string }[] = [];
  for (const value of Array.isArray(header) ? header : [header]) {
    // A scheme is a token followed by a space and then a token68 or auth-params; commas inside quotes do not split.
    const starts = [...value.matchAll(/(?:^|,)\s*([A-Za-z][A-Za-z0-9_-]*)\s+(?=[A-Za-z0-9_-]+\s*=|[A-Za-z0-9._~+/-]+=*\s*(?:,|$))/g)].filter((m) => !insideQuotes(value, m.index));
    starts.forEach((start, i) => {
      const from = start.index + start[0].length;
      const to = i + 1 < starts.length ? starts[i + 1]!.index : value.length;
      out.push({ scheme: start[1]!.toLowerCase(), params: value.slice(from, to) });
    });
  }
  return out;
}

function insideQuotes(text: string, index: number): boolean {
  let inside = false;
  for (let i = 0; i < index; i++) {
    if (text[i] === "\\" && inside) i++;
    else if (text[i] === '"') inside = !inside;
  }
  return inside;
}

/**
 * The Digest challenge Keyway answers, from a 401's WWW-Authenticate: of the
 * ones offered, the strongest algorithm it supports (a server may offer
 * SHA-256 and MD5 side by side, RFC 7616 3.7). Null when there is none.
 * Throws DigestProblem for a Digest challenge Keyway cannot answer.
 */
export function parseDigestChallenge(header: string | string[] | undefined): DigestChallenge | null {
  if (header === undefined) return null;
  const rank = (algorithm: DigestAlgorithm) => DIGEST_ALGORITHMS.indexOf(algorithm);
  let best: DigestChallenge | null = null;
  let refused: string | null = null;
  for (const { scheme, params: text } of challengesOf(header)) {
    if (scheme !== "digest") continue;
    const params = parseParams(text);
    const nonce = params.get("nonce");
    if (!nonce) continue;
    const algorithmName = params.get("algorithm") ?? "MD5";
    const algorithm = DIGEST_ALGORITHMS.find((a) => a.toLowerCase() === algorithmName.toLowerCase());
    if (!algorithm) {
      refused = `the server asks for the ${algorithmName} algorithm, which Keyway does not support (it supports ${DIGEST_ALGORITHMS.join(", ")})`;
      continue;
    }
    const qops = params.has("qop") ? params.get("qop")!.split(",").map((q) => q.trim().toLowerCase()) : null;
    if (qops && !qops.includes("auth")) {
      refused = `the server offers only qop=${qops.join(",")}; Keyway supports qop=auth`;
      continue;
    }
    const challenge: DigestChallenge = {
      realm: params.get("realm") ?? "",
      nonce,
      opaque: params.get("opaque"),
      algorithm,
      qop: qops ? "auth" : undefined,
      stale: params.get("stale")?.toLowerCase() === "true",
      userhash: params.get("userhash")?.toLowerCase() === "true",
    };
    if (!best || rank(challenge.algorithm) > rank(best.algorithm)) best = challenge;
  }
  if (!best && refused) throw new DigestProblem(`Digest authentication failed: ${refused}.`);
  return best;
}

function hashOf(algorithm: DigestAlgorithm): (text: string) => string {
  const name = algorithm.startsWith("SHA-256") ? "sha256" : "md5";
  return (text) => createHash(name).update(text, "utf8").digest("hex");
}

const quote = (value: string) => `"${value.replace(/(["\\])/g, "\\$1")}"`;

/** The Authorization value answering `challenge` for one request (RFC 7616 3.4). */
export function digestAuthorization(
  auth: DigestAuth,
  challenge: DigestChallenge,
  request: { method: string; uri: string; nc: number; cnonce: string },
): string {
  const H = hashOf(challenge.algorithm);
  let ha1 = H(`${auth.username}:${challenge.realm}:${auth.password}`);
  if (challenge.algorithm.endsWith("-sess")) ha1 = H(`${ha1}:${challenge.nonce}:${request.cnonce}`);
  const ha2 = H(`${request.method}:${request.uri}`);
  const nc = request.nc.toString(16).padStart(8, "0");
  const response = challenge.qop ? H(`${ha1}:${challenge.nonce}:${nc}:${request.cnonce}:${challenge.qop}:${ha2}`) : H(`${ha1}:${challenge.nonce}:${ha2}`);
  const username = challenge.userhash ? H(`${auth.username}:${challenge.realm}`) : auth.username;
  const parts = [`username=${quote(username)}`, `realm=${quote(challenge.realm)}`, `nonce=${quote(challenge.nonce)}`, `uri=${quote(request.uri)}`, `algorithm=${challenge.algorithm}`, `response=${quote(response)}`];
  if (challenge.qop) parts.push(`qop=${challenge.qop}`, `nc=${nc}`, `cnonce=${quote(request.cnonce)}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  if (challenge.userhash) parts.push("userhash=true");
  return `Digest ${parts.join(", ")}`;
}

type Session = { challenge: DigestChallenge; nc: number };

const state = globalThis as unknown as { keywayDigestSessions?: Map<string, Session> };
const sessions = (state.keywayDigestSessions ??= new Map());
const MAX_SESSIONS = 10_000;

export function hasDigestSession(key: string): boolean {
  return sessions.has(key);
}

/** Forgets a connection's challenge (it was edited or deleted). */
export function forgetDigestSession(key: string): void {
  sessions.delete(key);
}

/**
 * The Authorization for the next request under the connection's kept
 * challenge, or undefined when there is none yet. The nonce count is taken
 * synchronously, so concurrent requests each get their own.
 */
export function nextDigestAuthorization(key: string, auth: DigestAuth, method: string, uri: string): string | undefined {
  const session = sessions.get(key);
  if (!session) return undefined;
  session.nc += 1;
  return digestAuthorization(auth, session.challenge, { method, uri, nc: session.nc, cnonce: randomBytes(12).toString("base64url") });
}

/** Keeps a new challenge for the connection; its nonce count starts again. */
export function keepDigestChallenge(key: string, challenge: DigestChallenge): void {
  if (sessions.size >= MAX_SESSIONS && !sessions.has(key)) sessions.delete(sessions.keys().next().value!);
  sessions.set(key, { challenge, nc: 0 });
}

type DigestResponse = { statusCode: number; headers: Record<string, string | string[] | undefined>; discard(): Promise<void> };

/**
 * Sends a request with Digest credentials: with the kept challenge when
 * there is one, else (or when the server calls the nonce stale) once more
 * after the 401 that brings a challenge, if `replayable`. A request that
 * cannot be sent twice gets the 401 back; the challenge is kept, so the
 * caller's retry passes.
 */
export async function sendWithDigest<R extends DigestResponse>(
  options: { key: string; auth: DigestAuth; method: string; uri: string; replayable: boolean },
  send: (authorization: string | undefined) => Promise<R>,
): Promise<R> {
  const { key, auth, method, uri } = options;
  const sent = nextDigestAuthorization(key, auth, method, uri);
  const first = await send(sent);
  if (first.statusCode !== 401) return first;
  const challenge = parseDigestChallenge(first.headers["www-authenticate"]);
  if (!challenge) return first;
  keepDigestChallenge(key, challenge);
  // Credentials answered to a fresh nonce and refused: the username or password is wrong; sending again would not help.
  if (sent !== undefined && !challenge.stale) return first;
  if (!options.replayable) return first;
  await first.discard();
  return send(nextDigestAuthorization(key, auth, method, uri));
}
