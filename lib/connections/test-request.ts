import { z } from "zod";
import { metrics } from "../ops/metrics";
import { db } from "../db";
import { writeAudit, type AuditActor } from "../audit";
import { DomainError } from "../errors";
import { OutboundError, sendRequest } from "../outbound";
import { accessTokenFor, TokenProblem } from "../oauth/tokens";
import { DEFAULT_EXPIRED_RULE, describeExpiry, meansExpired } from "../oauth/expired-signal";
import { applyAuth, applyAuthHeaders, authQueryParams, resolveRequestUrl, secretStrings, type ResolvedAuth } from "./apply-auth";
import { redactHeaders, redactor } from "./redaction";
import { connectionNotFound, openSecrets } from "./index";
import { headerNameSchema, headerValueSchema, isOAuthType, isReceiverType, RECEIVER_HAS_NO_API } from "./schemas";
import { TEST_METHODS } from "./test-methods";
import { resolveAuth, secretEntryNames, storedConfigSchema } from "./stored";
import { oauth1FlowTokens } from "./oauth1-flow";
import { OAuth1NotConnectedError } from "./signed-auth-stored";
import { connectionTls } from "./tls";
import { connectionTunnel } from "../agents/tunnel";
import { sendAuthenticated } from "./signed-send";
import { DigestProblem } from "./digest";
import { text } from "../schemas/text";
import { adoptTestAsFirstCheck } from "../health/record";


export const testRequestSchema = z.object({
  method: z.enum(TEST_METHODS, { error: "Choose a method." }),
  path: text().max(2048, "Use at most 2048 characters.").default(""),
  headers: z.array(z.object({ name: headerNameSchema, value: headerValueSchema })).max(50, "Use at most 50 headers.").default([]),
  body: text().max(1024 * 1024, "Use at most 1 MB.").default(""),
});
export type TestRequestInput = z.infer<typeof testRequestSchema>;

/** The UI keeps this much of a response body (DESIGN.md: the limit of what is shown and stored). */
export const KEPT_BODY_BYTES = 64 * 1024;
/** The connection's history keeps this many runs. */
export const KEPT_RUNS = 50;

export type TestRunView = {
  id: string;
  createdAt: Date;
  method: string;
  url: string;
  ok: boolean;
  status: number | null;
  durationMs: number;
  /** The failure or the HTTP outcome, in words. */
  summary: string;
  errorKind: string | null;
  responseHeaders: Record<string, string>;
  responseBody: string | null;
  responseTruncated: boolean;
};

function httpSummary(status: number): { ok: boolean; summary: string } {
  if (status === 401) return { ok: false, summary: "401 Unauthorized: the API refused the credentials." };
  if (status === 403) return { ok: false, summary: "403 Forbidden: the credentials were accepted but are not allowed to do this." };
  if (status >= 500) return { ok: false, summary: `${status}: the API had an error of its own.` };
  if (status >= 400) return { ok: false, summary: `${status}: the API refused the request.` };
  return { ok: true, summary: `${status}: the API answered.` };
}

/** Text of at most KEPT_BODY_BYTES (cut on a character boundary), JSON pretty-printed when it parses. */
export function bodyForDisplay(body: Buffer, contentType: string | undefined, hide: (text: string) => string = (text) => text): { text: string; truncated: boolean } {
  const raw = body.toString("utf8");
  let text = raw;
  if (/\bjson\b/i.test(contentType ?? "") || /^\s*[[{]/.test(raw)) {
    try {
      text = JSON.stringify(JSON.parse(raw), null, 2);
    } catch {
      // Not JSON after all (or cut off by the size limit): show it as it came.
    }
  }
  // Before the cut, which could otherwise leave the start of a secret behind.
  text = hide(text);
  const bytes = Buffer.from(text, "utf8");
  if (bytes.length <= KEPT_BODY_BYTES) return { text, truncated: false };
  // Decoding a cut buffer may end in half a character; drop the replacement char it leaves.
  return { text: bytes.subarray(0, KEPT_BODY_BYTES).toString("utf8").replace(/\uFFFD$/, ""), truncated: true };
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

/** What of this auth is a credential on the wire: every header it sets and every query parameter it adds, whether marked secret or not. */
function credentialNames(auth: ResolvedAuth): { headers: string[]; params: string[] } {
  // Signed types place their headers per request, so applyAuthHeaders does not name them.
  const signed = auth.authType === "AWS_SIGV4" ? ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"] : auth.authType === "DIGEST" || auth.authType === "OAUTH1" ? ["authorization"] : [];
  return { headers: [...Object.keys(applyAuthHeaders(auth, {})), ...signed], params: authQueryParams(auth).map((param) => param.name) };
}

export type Connection = NonNullable<Awaited<ReturnType<typeof db.connection.findFirst>>>;
export type Outcome = Omit<TestRunView, "id" | "createdAt">;

/** One attempt: the request with the given auth, and what came back (or why nothing did), secrets redacted. */
async function attempt(connection: Connection, input: TestRequestInput, url: URL, auth: ResolvedAuth, hidden: string[], secrets: ReturnType<typeof openSecrets>, signal?: AbortSignal) {
  const extraHeaders = Object.fromEntries(input.headers.map((h) => [h.name, h.value]));
  const placed = applyAuth(auth, { url, headers: extraHeaders });
  const sendsBody = input.body !== "" && input.method !== "GET" && input.method !== "HEAD";
  const started = performance.now();
  // Signed types (Digest, SigV4, OAuth 1.0a) add their header per request; the record shows what was last sent.
  const outgoing = { url: placed.url, headers: placed.headers };
  let view: Outcome;
  let answered: { status: number; body: Buffer } | null = null;
  try {
    const { response } = await sendAuthenticated(
      auth,
      { key: connection.id, method: input.method, url: placed.url, headers: placed.headers, body: sendsBody ? input.body : null, replayable: true },
      async (headers) => {
        outgoing.headers = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(", ") : value]));
        const sent = await sendRequest({
          url: placed.url.href,
          method: input.method,
          headers: outgoing.headers,
          body: sendsBody ? input.body : undefined,
          tls: connectionTls(connection, secrets),
          tunnel: connectionTunnel(connection),
          credentials: credentialNames(auth),
          signal,
        });
        return { ...sent, statusCode: sent.status, discard: async () => undefined };
      },
    );
    answered = { status: response.status, body: response.body };
    const headers = flattenHeaders(response.headers);
    const { text, truncated } = bodyForDisplay(response.body, headers["content-type"], redactor(hidden));
    const outcome = httpSummary(response.status);
    const { ok } = outcome;
    const summary = response.withheldCredentials
      ? `${outcome.summary} The API redirected to another origin (${new URL(response.finalUrl).host}); Keyway withheld the connection's credentials (headers, query parameters, client certificate) from it.`
      : outcome.summary;
    view = {
      method: input.method,
      url: outgoing.url.href,
      ok,
      status: response.status,
      durationMs: Math.round(response.timings.totalMs),
      summary,
      errorKind: ok ? null : "http",
      responseHeaders: headers,
      responseBody: text,
      responseTruncated: truncated,
    };
  } catch (error) {
    if (!(error instanceof OutboundError || error instanceof DigestProblem)) throw error;
    view = {
      method: input.method,
      url: outgoing.url.href,
      ok: false,
      status: null,
      durationMs: Math.round(performance.now() - started),
      summary: error.message,
      errorKind: error.kind,
      responseHeaders: {},
      responseBody: null,
      responseTruncated: false,
    };
  }
  // An API may echo what it was sent (a Link header repeats the query, a debug body the headers): nothing kept or shown may hold a secret.
  view = redactOutcome(view, hidden);
  return { view, outgoing, sendsBody, answered };
}

/** Everything of an outcome that is stored or shown, through the one redaction. */
function redactOutcome(view: Outcome, hidden: string[]): Outcome {
  const hide = redactor(hidden);
  return {
    ...view,
    url: hide(view.url),
    summary: hide(view.summary),
    responseHeaders: redactHeaders(view.responseHeaders, hide),
    responseBody: view.responseBody === null ? null : hide(view.responseBody),
  };
}

/** A test that never reached the API because no access token could be had. */
function tokenFailure(input: TestRequestInput, url: URL, problem: TokenProblem): Outcome {
  return {
    method: input.method,
    url: url.href,
    ok: false,
    status: null,
    durationMs: 0,
    summary: problem.message,
    errorKind: problem.kind === "needs-reauth" || problem.kind === "not-connected" ? "oauth-reauth" : "oauth",
    responseHeaders: {},
    responseBody: null,
    responseTruncated: false,
  };
}

/** A sent test request, secrets redacted, before anything is stored. */
export type SentTest = { view: Outcome; recorded: { headers: Record<string, string>; body: string | null }; needsReauth: boolean };

/**
 * Sends a request with the connection's authentication, the one way a test
 * request and a health check (lib/health) reach the API: outbound safety,
 * agents, client certificates and redaction all apply. For OAuth2
 * connections the access token is refreshed first when it is about to
 * expire, and once more (with one retry) when the API answers 401.
 */
export async function sendTestRequest(
  connection: Connection,
  actor: AuditActor,
  input: TestRequestInput,
  options: {
    signal?: AbortSignal;
    /** Where an OAuth2 connection's token comes from instead of its token set (settings not saved yet); `rejected` is a token the API refused. */
    token?: (rejected?: string) => Promise<string>;
  } = {},
): Promise<SentTest> {
  if (isReceiverType(connection.authType)) throw new DomainError(RECEIVER_HAS_NO_API, 409);
  const config = storedConfigSchema.parse(connection.config ?? {});
  const secrets = openSecrets(connection.id, connection.secrets);
  let url: URL;
  try {
    url = resolveRequestUrl(connection.baseUrl, input.path);
  } catch (error) {
    throw new DomainError(error instanceof Error ? error.message : "That path is not valid.", 400, "path");
  }

  let view: Outcome;
  let recorded: { headers: Record<string, string>; body: string | null } = { headers: {}, body: null };
  let needsReauth = false;
  let hidden: string[] = [];
  if (isOAuthType(connection.authType)) {
    // The client's own secrets never go to the API, but an API or token endpoint that echoes them must not get them shown.
    const keys = [secrets.clientPrivateKeyPem, secrets.assertionKeyPem];
    hidden.push(...[secrets.clientSecret, ...keys, ...keys.flatMap((key) => (key ?? "").split(/\r?\n/).filter((line) => line.length >= 16 && !line.startsWith("-----")))].filter((value): value is string => Boolean(value)));
    const withToken = async (accessToken: string) => {
      const auth: ResolvedAuth = { authType: "BEARER", accessToken };
      hidden.push(...secretStrings(auth, secretEntryNames(config)));
      return attempt(connection, input, url, auth, hidden, secrets, options.signal);
    };
    let first: Awaited<ReturnType<typeof attempt>> | undefined;
    try {
      const tokenFor = options.token ?? ((rejected?: string) => accessTokenFor(connection, actor, rejected ? { rejected } : {}));
      const token = await tokenFor();
      first = await withToken(token);
      view = first.view;
      const rule = config.oauth?.tokenExpired ?? DEFAULT_EXPIRED_RULE;
      if (first.answered && meansExpired(rule, first.answered.status, first.answered.body)) {
        const why = describeExpiry(rule, first.answered.status);
        const fresh = await tokenFor(token);
        const second = await withToken(fresh);
        first = second;
        const stillExpired = second.answered !== null && meansExpired(rule, second.answered.status, second.answered.body);
        view = {
          ...second.view,
          // A 200 that carries "token expired" is no success, even though its status says so.
          ...(stillExpired ? { ok: false, errorKind: "http" } : {}),
          summary: `${second.view.summary} (Retried once with a new access token after ${why}, which this connection counts as an expired token.${stillExpired ? " The API said the same of the new token: check the connection's scopes and whether the API accepts this provider's tokens." : ""})`,
        };
      }
    } catch (error) {
      if (!(error instanceof TokenProblem)) throw error;
      needsReauth = error.kind === "needs-reauth" || error.kind === "not-connected";
      view = first ? { ...first.view, summary: `${first.view.summary} ${error.message}` } : tokenFailure(input, url, error);
    }
    if (first) recorded = requestRecord(first, input, hidden);
  } else {
    let auth: ResolvedAuth;
    try {
      auth = resolveAuth(connection.authType, config, secrets, await oauth1FlowTokens(connection.id, config));
    } catch (error) {
      if (error instanceof OAuth1NotConnectedError) throw new DomainError(error.message, 409);
      throw error;
    }
    hidden = secretStrings(auth, secretEntryNames(config));
    const result = await attempt(connection, input, url, auth, hidden, secrets, options.signal);
    view = result.view;
    recorded = requestRecord(result, input, hidden);
  }
  // Token errors are added to the summary above: the whole view goes through the redaction once more.
  return { view: redactOutcome(view, hidden), recorded, needsReauth };
}

/**
 * Sends a test request and keeps it (with every secret redacted) in the
 * connection's history. It does not set the connection's status: that is the
 * health check's (lib/health), so one test of a path that fails does not
 * turn a working connection "Failing". Only while the connection is "Not
 * checked yet" does a successful test count as its check's first run (and,
 * when the check has no request yet, become its request).
 */
export async function runTestRequest(teamId: string, actor: AuditActor, connectionId: string, input: TestRequestInput, options: { signal?: AbortSignal } = {}): Promise<TestRunView> {
  const connection = await db.connection.findFirst({ where: { id: connectionId, teamId } });
  if (!connection) throw connectionNotFound();
  const { view, recorded } = await sendTestRequest(connection, actor, input, options);
  // A cancelled run proves nothing either way: it is kept in the history, and the connection stays as it was.
  const cancelled = view.errorKind === "cancelled";
  const run = await db.$transaction(async (tx) => {
    const created = await tx.testRun.create({
      data: {
        connectionId,
        actorId: actor.id,
        method: view.method,
        url: view.url,
        requestHeaders: recorded.headers,
        requestBody: recorded.body,
        ok: view.ok,
        status: view.status,
        errorKind: view.errorKind,
        errorMessage: view.summary,
        durationMs: view.durationMs,
        responseHeaders: view.responseHeaders,
        responseBody: view.responseBody,
        responseTruncated: view.responseTruncated,
      },
      select: { id: true, createdAt: true },
    });
    // One statement rather than read-then-delete: this runs on every test request.
    await tx.$executeRaw`
      DELETE FROM "TestRun" WHERE "connectionId" = ${connectionId} AND id NOT IN (
        SELECT id FROM "TestRun" WHERE "connectionId" = ${connectionId} ORDER BY "createdAt" DESC, id DESC LIMIT ${KEPT_RUNS}
      )`;
    if (!cancelled) await tx.connection.update({ where: { id: connectionId }, data: { lastTestedAt: created.createdAt } });
    await writeAudit(tx, {
      teamId,
      actor,
      action: "connection.tested",
      objectType: "connection",
      objectId: connectionId,
      objectName: connection.name,
      data: { method: view.method, status: view.status, ok: view.ok, errorKind: view.errorKind },
    });
    return created;
  });
  metrics.testRequests.inc({ outcome: view.ok ? "ok" : cancelled ? "cancelled" : view.errorKind ? "failed" : "error_status" });
  if (view.ok) await adoptTestAsFirstCheck(connection, input, view);
  return { ...view, id: run.id, createdAt: run.createdAt };
}

function requestRecord(result: Awaited<ReturnType<typeof attempt>>, input: TestRequestInput, hidden: string[]) {
  const hide = redactor(hidden);
  return {
    headers: redactHeaders(result.outgoing.headers, hide),
    body: result.sendsBody ? hide(input.body).slice(0, KEPT_BODY_BYTES) : null,
  };
}

/** Newest first; `page` continues after the run (createdAt, id) that ended the previous page (keyset, stable while runs are added). */
export async function testHistory(teamId: string, connectionId: string, page?: { limit: number; before: { createdAt: Date; id: string } | null }): Promise<TestRunView[]> {
  const before = page?.before;
  const runs = await db.testRun.findMany({
    where: { connectionId, connection: { teamId }, ...(before ? { OR: [{ createdAt: { lt: before.createdAt } }, { createdAt: before.createdAt, id: { lt: before.id } }] } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: page?.limit ?? KEPT_RUNS,
  });
  return runs.map((run) => ({
    id: run.id,
    createdAt: run.createdAt,
    method: run.method,
    url: run.url,
    ok: run.ok,
    status: run.status,
    durationMs: run.durationMs,
    summary: run.errorMessage ?? "",
    errorKind: run.errorKind,
    responseHeaders: run.responseHeaders as Record<string, string>,
    responseBody: run.responseBody,
    responseTruncated: run.responseTruncated,
  }));
}
