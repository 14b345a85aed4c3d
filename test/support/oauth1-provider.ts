import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { verifyOAuth1 } from "./oauth1-verifier";

// A three-legged OAuth 1.0a provider (RFC 5849 section 2) on loopback for the
// integration and browser tests. Every request's signature is checked by
// node-oauth (oauth1-verifier.ts), not by oauth-sign, which Keyway signs
// with: the temporary credential request with the consumer's secret alone and
// oauth_callback signed; the token request with the temporary token's secret
// and oauth_verifier signed; API calls with the token credentials it issued.
// Temporary tokens and verifiers work once; nonces are kept.
//
// Routes: POST /oauth/request_token, GET /oauth/authorize (a page with
// Approve and Deny), POST /oauth/authorize, POST /oauth/access_token, and
// /api/… is the API (200 with JSON of what it saw, 401 otherwise).

export type OAuth1ProviderOptions = {
  consumerKey: string;
  consumerSecret?: string;
  publicKeyPem?: string;
  /** Answer the token request with this HTTP status and no OAuth answer (a provider that fails). */
  failAccessToken?: number;
  /** Answer the temporary credential request with 401 and this oauth_problem. */
  refuseRequestToken?: string;
  /** Leave oauth_callback_confirmed out (an OAuth 1.0 server). */
  unconfirmedCallback?: boolean;
};

export type OAuth1Provider = {
  url: string;
  /** What was refused, and why (for failure messages). */
  refusals: string[];
  counts: { requestToken: number; accessToken: number; api: number };
  /** The token credentials issued, by token. */
  issued: Map<string, string>;
  close(): Promise<void>;
};

type Temporary = { secret: string; callback: string; verifier?: string; used: boolean };

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
}

const token = (label: string) => `${label}-${randomBytes(12).toString("base64url")}`;

function form(response: ServerResponse, status: number, fields: Record<string, string>) {
  response.writeHead(status, { "content-type": "application/x-www-form-urlencoded" }).end(new URLSearchParams(fields).toString());
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startOAuth1Provider(options: OAuth1ProviderOptions): Promise<OAuth1Provider> {
  const temporaries = new Map<string, Temporary>();
  const issued = new Map<string, string>();
  const nonces = new Set<string>();
  const refusals: string[] = [];
  const counts = { requestToken: 0, accessToken: 0, api: 0 };
  let url = "";

  const check = (request: IncomingMessage, body: string, tokenSecret?: string) => {
    const verdict = verifyOAuth1(
      { method: request.method ?? "", url: `${url}${request.url}`, authorization: request.headers.authorization, contentType: request.headers["content-type"], body },
      { consumerSecret: options.consumerSecret, publicKeyPem: options.publicKeyPem, tokenSecret },
    );
    if (!verdict.ok) return { ok: false as const, problem: "signature_invalid", reason: verdict.reason };
    const params = verdict.params;
    const nonce = `${params.oauth_timestamp}:${params.oauth_nonce}`;
    if (nonces.has(nonce)) return { ok: false as const, problem: "nonce_used", reason: "nonce used twice" };
    nonces.add(nonce);
    if (params.oauth_consumer_key !== options.consumerKey) return { ok: false as const, problem: "consumer_key_unknown", reason: "unknown consumer" };
    return { ok: true as const, params };
  };
  const refuse = (response: ServerResponse, problem: string, reason: string) => {
    refusals.push(reason);
    form(response, 401, { oauth_problem: problem, oauth_problem_advice: reason });
  };
  /** The temporary token a signed request names, before its signature can be checked with its secret. */
  const namedToken = (request: IncomingMessage) => /oauth_token="([^"]*)"/.exec(request.headers.authorization ?? "")?.[1];

  const server: Server = createServer(async (request, response) => {
    const body = await readBody(request);
    const path = new URL(request.url ?? "/", "http://x").pathname;
    try {
      if (path === "/oauth/request_token" && request.method === "POST") {
        counts.requestToken++;
        if (options.refuseRequestToken) return refuse(response, options.refuseRequestToken, "refused by the test's setting");
        const verdict = check(request, body);
        if (!verdict.ok) return refuse(response, verdict.problem, verdict.reason);
        if (verdict.params.oauth_token) return refuse(response, "parameter_rejected", "a temporary credential request carries no token");
        const callback = verdict.params.oauth_callback;
        if (!callback) return refuse(response, "parameter_absent", "oauth_callback missing");
        const temporary = token("rt");
        const secret = token("rts");
        temporaries.set(temporary, { secret, callback, used: false });
        return form(response, 200, { oauth_token: temporary, oauth_token_secret: secret, ...(options.unconfirmedCallback ? {} : { oauth_callback_confirmed: "true" }) });
      }
      if (path === "/oauth/authorize" && request.method === "GET") {
        const temporary = new URL(request.url ?? "/", "http://x").searchParams.get("oauth_token") ?? "";
        if (!temporaries.has(temporary)) return response.writeHead(400, { "content-type": "text/plain" }).end("unknown oauth_token");
        const hidden = `<input type="hidden" name="oauth_token" value="${escapeHtml(temporary)}">`;
        return response
          .writeHead(200, { "content-type": "text/html; charset=utf-8" })
          .end(
            `<!doctype html><html><head><title>Test provider: approve access</title></head><body><h1>Allow Keyway to use your account?</h1>` +
              `<form method="post" action="/oauth/authorize">${hidden}<button name="decision" value="approve">Approve</button> <button name="decision" value="deny">Deny</button></form></body></html>`,
          );
      }
      if (path === "/oauth/authorize" && request.method === "POST") {
        const fields = new URLSearchParams(body);
        const temporary = fields.get("oauth_token") ?? "";
        const entry = temporaries.get(temporary);
        if (!entry) return response.writeHead(400, { "content-type": "text/plain" }).end("unknown oauth_token");
        const back = new URL(entry.callback);
        if (fields.get("decision") === "approve") {
          entry.verifier = token("v");
          back.searchParams.set("oauth_token", temporary);
          back.searchParams.set("oauth_verifier", entry.verifier);
        } else {
          back.searchParams.set("denied", temporary);
        }
        return response.writeHead(302, { location: back.href }).end();
      }
      if (path === "/oauth/access_token" && request.method === "POST") {
        counts.accessToken++;
        if (options.failAccessToken) return response.writeHead(options.failAccessToken, { "content-type": "text/html" }).end("<h1>Service unavailable</h1>");
        const temporary = namedToken(request) ?? "";
        const entry = temporaries.get(decodeURIComponent(temporary));
        if (!entry) return refuse(response, "token_rejected", "unknown temporary token");
        const verdict = check(request, body, entry.secret);
        if (!verdict.ok) return refuse(response, verdict.problem, verdict.reason);
        if (entry.used) return refuse(response, "token_used", "temporary token used twice");
        if (!entry.verifier || verdict.params.oauth_verifier !== entry.verifier) return refuse(response, "verifier_invalid", "wrong verifier");
        entry.used = true;
        const access = token("at");
        const secret = token("ats");
        issued.set(access, secret);
        return form(response, 200, { oauth_token: access, oauth_token_secret: secret, user_id: "42" });
      }
      // The browser asks the approval page's origin for /favicon.ico and the like: not API calls.
      if (path !== "/api" && !path.startsWith("/api/")) return response.writeHead(404, { "content-type": "text/plain" }).end("not found");
      counts.api++;
      const access = decodeURIComponent(namedToken(request) ?? "");
      const secret = issued.get(access);
      if (secret === undefined) return refuse(response, "token_rejected", "not a token this provider issued");
      const verdict = check(request, body, secret);
      if (!verdict.ok) return refuse(response, verdict.problem, verdict.reason);
      return response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ok: true, path, method: request.method, token: access, signatureMethod: verdict.params.oauth_signature_method }));
    } catch (error) {
      response.writeHead(500).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    refusals,
    counts,
    issued,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
