// Token endpoints that behave like real ones Keyway meets but oidc-provider
// (test/support/oauth-server.ts) never would, on one loopback server, each
// under its own path prefix:
//
//   /decoding   RFC 6749 2.3.1 HTTP Basic: client id and secret are
//               form-urlencoded inside Basic, and the server decodes them.
//   /literal    HTTP Basic compared literally, without decoding (HCL Domino,
//               legacy Spring Security OAuth2, IdentityServer4 2.1, pyop).
//   /bodyonly   client credentials in the request body only; HTTP Basic is
//               refused with invalid_client.
//   /github     GitHub's OAuth app endpoints: an /authorize that sends the
//               browser straight back with a code, a /token that answers in
//               application/x-www-form-urlencoded, reports errors in a 200
//               (bad_verification_code, incorrect_client_credentials), gives
//               tokens no expiry and issues no refresh token.
//   /html500    a token endpoint that fails with an HTML 500 page.
//   /hang       a token endpoint that never answers.
//   /loose      token_type "bearer" in lower case and expires_in as a string ("5").
//
// Every /<prefix>/token takes the client credentials grant (and /github the
// authorization code grant) from CLIENT_ID / CLIENT_SECRET; /api/<anything>
// accepts any access token this server issued, as a bearer token.
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { closeServer, listen } from "./test-server-kit";

/** A UUID-shaped client id (the `-` is what oauth4webapi over-encodes) and a secret with every unreserved character. */
export const CLIENT_ID = "796d8fae-a42f-4b3c-9d1e-0f2a3b4c5d6e";
export const CLIENT_SECRET = "s3cr.et_with~unreserved-chars";

export type OddPrefix = "decoding" | "literal" | "bodyonly" | "github" | "html500" | "hang" | "loose";

export type OddServers = {
  url: string;
  /** Token endpoint requests per prefix, refused ones included. */
  tokenRequests(prefix: OddPrefix): number;
  /** The Authorization headers the token endpoints received, newest last. */
  authorizationHeaders(): string[];
  close(): Promise<void>;
};

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, "%20"));
}

function send(response: ServerResponse, status: number, contentType: string, body: string): void {
  response.writeHead(status, { "content-type": contentType, "cache-control": "no-store" }).end(body);
}

export async function startOddServers(): Promise<OddServers> {
  const { server, ready } = await listen(0);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const counts = new Map<string, number>();
  const headers: string[] = [];
  const issued = new Set<string>();
  const codes = new Set<string>();

  /** The client the request authenticates as, by Basic (decoded or literal) or in the body. */
  function authenticates(request: IncomingMessage, form: URLSearchParams, decode: boolean): boolean {
    const basic = /^Basic +(\S+)$/i.exec(request.headers.authorization ?? "");
    if (basic) {
      const pair = Buffer.from(basic[1]!, "base64").toString("utf8");
      const colon = pair.indexOf(":");
      if (colon < 0) return false;
      const [id, secret] = [pair.slice(0, colon), pair.slice(colon + 1)].map((part) => (decode ? formDecode(part) : part));
      return id === CLIENT_ID && secret === CLIENT_SECRET;
    }
    return form.get("client_id") === CLIENT_ID && form.get("client_secret") === CLIENT_SECRET;
  }

  function issue(): string {
    const token = `odd-${randomBytes(12).toString("hex")}`;
    issued.add(token);
    return token;
  }

  async function token(prefix: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const form = new URLSearchParams(await readBody(request));
    counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
    headers.push(request.headers.authorization ?? "");
    switch (prefix) {
      case "html500":
        return send(response, 500, "text/html", "<!DOCTYPE html><html><body><h1>500 Internal Server Error</h1><p>nginx</p></body></html>");
      case "hang":
        return; // never answers; closeServer() ends the socket
      case "github": {
        // GitHub answers errors with 200 and a form-encoded body unless asked for JSON.
        const answer = (fields: Record<string, string>) => send(response, 200, "application/x-www-form-urlencoded; charset=utf-8", new URLSearchParams(fields).toString());
        if (!authenticates(request, form, true)) {
          return answer({ error: "incorrect_client_credentials", error_description: "The client_id and/or client_secret passed are incorrect.", error_uri: "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#incorrect-client-credentials" });
        }
        const code = form.get("code");
        if (form.get("grant_type") !== "authorization_code" || !code || !codes.delete(code)) {
          return answer({ error: "bad_verification_code", error_description: "The code passed is incorrect or expired.", error_uri: "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code" });
        }
        return answer({ access_token: issue(), scope: "repo", token_type: "bearer" });
      }
      default: {
        const basicRefused = prefix === "bodyonly" && request.headers.authorization !== undefined;
        if (basicRefused || !authenticates(request, form, prefix !== "literal")) {
          response.setHeader("www-authenticate", 'Basic realm="token"');
          return send(response, 401, "application/json", JSON.stringify({ error: "invalid_client", error_description: "Bad client credentials" }));
        }
        if (form.get("grant_type") !== "client_credentials") return send(response, 400, "application/json", JSON.stringify({ error: "unsupported_grant_type" }));
        if (prefix === "loose") return send(response, 200, "application/json", JSON.stringify({ access_token: issue(), token_type: "bearer", expires_in: "5" }));
        return send(response, 200, "application/json", JSON.stringify({ access_token: issue(), token_type: "Bearer", expires_in: 3600 }));
      }
    }
  }

  ready((request, response) => {
    const { pathname, searchParams } = new URL(request.url ?? "/", url);
    const [, prefix = "", rest = ""] = /^\/([a-z0-9]+)\/?(.*)$/.exec(pathname) ?? [];
    if (prefix === "github" && rest === "authorize") {
      request.resume();
      const code = randomBytes(10).toString("hex");
      codes.add(code);
      const back = new URL(searchParams.get("redirect_uri") ?? "");
      back.searchParams.set("code", code);
      back.searchParams.set("state", searchParams.get("state") ?? "");
      response.writeHead(302, { location: back.href }).end();
      return;
    }
    if (rest === "token" && request.method === "POST") {
      token(prefix, request, response).catch((error: unknown) => send(response, 500, "text/plain", String(error)));
      return;
    }
    if (prefix === "api") {
      request.resume();
      const bearer = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
      if (bearer && issued.has(bearer)) return send(response, 200, "application/json", JSON.stringify({ ok: true, path: pathname }));
      return send(response, 401, "application/json", JSON.stringify({ message: "Bad credentials" }));
    }
    request.resume();
    send(response, 404, "text/plain", "not found");
  });

  return {
    url,
    tokenRequests: (prefix) => counts.get(prefix) ?? 0,
    authorizationHeaders: () => [...headers],
    close: () => closeServer(server),
  };
}
