import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import httpAuth from "http-auth";
import { verifyOAuth1 } from "./oauth1-verifier";
import { verifySigV4 } from "./sigv4-verifier";

// APIs on loopback that demand the signed auth types, each checked by an
// implementation that is not Keyway's: Digest by http-auth (a Digest server
// from npm, nonce counts included), SigV4 by aws4, OAuth 1.0a by node-oauth.
// Each records what reached it and answers 200 with JSON of it (headers
// included, so tests can check that nothing secret comes back unredacted),
// or 401 when the check fails. Used by the integration and browser tests.

export type SignedReceived = { method: string; url: string; headers: IncomingHttpHeaders; bodyBytes: number; bodySha256: string; body: string; verdict: string };

export type SignedUpstream = { url: string; received: SignedReceived[]; refused: SignedReceived[]; close(): Promise<void> };

function record(request: IncomingMessage, body: Buffer, verdict: string): SignedReceived {
  return {
    method: request.method ?? "",
    url: request.url ?? "",
    headers: request.headers,
    bodyBytes: body.length,
    bodySha256: createHash("sha256").update(body).digest("hex"),
    body: body.subarray(0, 4096).toString("utf8"),
    verdict,
  };
}

function answer(response: ServerResponse, entry: SignedReceived) {
  const { body: _body, ...shown } = entry;
  response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(shown));
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

async function listen(server: Server, host: string): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return `http://${host}:${(server.address() as AddressInfo).port}`;
}

function closer(server: Server) {
  return () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
}

/** http-auth's Digest server: qop=auth, MD5 or MD5-sess, a fresh nonce per 401, nonce counts that must increase. */
export async function startDigestUpstream(options: { username: string; password: string; algorithm?: "MD5" | "MD5-sess"; realm?: string; host?: string }): Promise<SignedUpstream & { challenges: () => number }> {
  const realm = options.realm ?? "keyway-test";
  const ha1 = createHash("md5").update(`${options.username}:${realm}:${options.password}`).digest("hex");
  const digest = httpAuth.digest({ realm, algorithm: options.algorithm ?? "MD5", file: (() => `${options.username}:${realm}:${ha1}`) as unknown as string }); // http-auth also takes a function (its README)
  let challenges = 0;
  const received: SignedReceived[] = [];
  const refused: SignedReceived[] = [];
  digest.on("fail", () => (challenges += 1));
  const guarded = digest.check(async (request: IncomingMessage, response: ServerResponse) => {
    const entry = record(request, await readBody(request), "digest ok");
    received.push(entry);
    answer(response, entry);
  });
  const server = createServer((request, response) => {
    if (!request.headers.authorization) refused.push(record(request, Buffer.alloc(0), "no credentials"));
    guarded(request, response);
  });
  const url = await listen(server, options.host ?? "127.0.0.1");
  return { url, received, refused, challenges: () => challenges, close: closer(server) };
}

export async function startSigV4Upstream(options: { accessKeyId: string; secretAccessKey: string; sessionToken?: string; region: string; service: string; host?: string }): Promise<SignedUpstream> {
  const received: SignedReceived[] = [];
  const refused: SignedReceived[] = [];
  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    const verdict = verifySigV4({ method: request.method ?? "", rawUrl: request.url ?? "", headers: request.headers, body }, options, options);
    const entry = record(request, body, verdict.ok ? `sigv4 ok (${verdict.payload === "UNSIGNED-PAYLOAD" ? "unsigned payload" : "payload signed"})` : verdict.reason);
    if (!verdict.ok) {
      refused.push(entry);
      response.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: verdict.reason }));
      return;
    }
    received.push(entry);
    answer(response, entry);
  });
  const url = await listen(server, options.host ?? "127.0.0.1");
  return { url, received, refused, close: closer(server) };
}

export async function startOAuth1Upstream(options: { consumerKey: string; consumerSecret?: string; publicKeyPem?: string; token?: string; tokenSecret?: string; host?: string }): Promise<SignedUpstream> {
  const received: SignedReceived[] = [];
  const refused: SignedReceived[] = [];
  const nonces = new Set<string>();
  let url = "";
  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    const verdict = verifyOAuth1(
      { method: request.method ?? "", url: `${url}${request.url}`, authorization: request.headers.authorization, contentType: request.headers["content-type"], body: body.toString("utf8") },
      options,
    );
    let reason = verdict.ok ? "" : verdict.reason;
    if (verdict.ok) {
      const nonce = `${verdict.params.oauth_timestamp}:${verdict.params.oauth_nonce}`;
      // RFC 5849 3.3: a nonce is used once; the consumer and token must be the ones issued.
      if (nonces.has(nonce)) reason = "nonce used twice";
      else if (verdict.params.oauth_consumer_key !== options.consumerKey) reason = "unknown consumer";
      else if ((verdict.params.oauth_token ?? undefined) !== options.token) reason = "unknown token";
      else if (Math.abs(Number(verdict.params.oauth_timestamp) - Date.now() / 1000) > 300) reason = "timestamp too far off";
      nonces.add(nonce);
    }
    const entry = record(request, body, reason || `oauth1 ok (${verdict.ok ? verdict.params.oauth_signature_method : ""})`);
    if (reason) {
      refused.push(entry);
      response.writeHead(401, { "content-type": "application/json", "www-authenticate": 'OAuth realm="test"' }).end(JSON.stringify({ error: reason }));
      return;
    }
    received.push(entry);
    answer(response, entry);
  });
  url = await listen(server, options.host ?? "127.0.0.1");
  return { url, received, refused, close: closer(server) };
}

export const randomSecret = (label: string) => `${label}-${randomBytes(9).toString("base64url")}`;
