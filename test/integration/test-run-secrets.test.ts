import { randomBytes } from "node:crypto";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import { clientCredentialsInput, startOAuthServer, type OAuthServer } from "../support/oauth-server";
import { createCa, issue } from "../support/pki";
import { startHttpEcho, startHttpsEcho, type Received, type Upstream } from "../support/upstreams";
import type { ConnectionInput } from "@/lib/connections/schemas";
import type { TestRequestInput } from "@/lib/connections/test-request";

// What a test run keeps and shows (issue 14, items 1 and 3): an API that
// echoes its credentials back in every encoding, in headers and body, must
// leave no trace of them in the run; and a redirect to another origin must
// reach that origin without any of the connection's credentials.

process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let connections: typeof import("@/lib/connections");
let testing: typeof import("@/lib/connections/test-request");
let owner: Awaited<ReturnType<typeof makeUser>>;
let echoing: Upstream;
let elsewhere: Upstream;
let redirecting: Upstream;
let as: OAuthServer;

/** Every spelling of a value an API could echo. */
function spellings(value: string): string[] {
  const component = encodeURIComponent(value);
  return [
    value,
    component,
    component.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase()),
    new URLSearchParams({ v: value }).toString().slice(2),
    JSON.stringify(value).slice(1, -1),
    Buffer.from(value).toString("base64"),
  ];
}

/** An API that repeats everything it received in headers (Link with the query, one header per spelling) and in its body. */
function echoEverything(_request: unknown, response: import("node:http").ServerResponse, received: Received): boolean {
  const url = new URL(received.url, "http://api.test");
  const headers: Record<string, string> = {
    "content-type": "application/json",
    link: `<${url.pathname}?limit=10&${url.searchParams.toString()}&page=2>; rel="next"`,
  };
  const seen = Object.entries(received.headers).map(([name, value]) => `${name}=${String(value)}`);
  for (const [i, entry] of seen.entries()) {
    headers[`x-echo-${i}`] = encodeURIComponent(entry);
    headers[`x-echo-raw-${i}`] = entry.replace(/[^\x20-\x7e]/g, "?");
  }
  // The decoded Basic credentials, as a debugging API might show them.
  const basic = /^Basic (.+)$/.exec(String(received.headers.authorization ?? ""))?.[1];
  if (basic) headers["x-basic-decoded"] = encodeURIComponent(Buffer.from(basic, "base64").toString("utf8"));
  response.writeHead(200, headers);
  response.end(JSON.stringify({ received, query: Object.fromEntries(url.searchParams), decodedBasic: basic ? Buffer.from(basic, "base64").toString("utf8") : null }));
  return true;
}

beforeAll(async () => {
  env = await useFreshAppDatabase("test_run_secrets");
  connections = await import("@/lib/connections");
  testing = await import("@/lib/connections/test-request");
  owner = await makeUser("secrets-owner");
  echoing = await startHttpEcho(echoEverything);
  elsewhere = await startHttpEcho();
  // Redirects everything to another origin, query and all, as an API moving hosts would.
  redirecting = await startHttpEcho((_request, response, received) => {
    response.writeHead(302, { location: `${elsewhere.url}${received.url}` }).end();
    return true;
  });
  as = await startOAuthServer({ port: 0, redirectUris: ["http://127.0.0.1:9/oauth/callback"], logErrors: false });
});
afterAll(async () => {
  await Promise.all([echoing?.close(), elsewhere?.close(), redirecting?.close(), as?.close()]);
  await env?.close();
});

const teamId = () => owner.personalTeam.id;
const GET: TestRequestInput = { method: "GET", path: "/items?limit=10", headers: [], body: "" };

async function storedRuns(id: string): Promise<string> {
  return JSON.stringify(await env.db.testRun.findMany({ where: { connectionId: id } }));
}

// Characters that every encoding spells differently: space, +, &, =, /, a quote, a backslash, non-ASCII.
const tricky = (label: string) => `${label} s3cr+t/&=é"\\${randomBytes(4).toString("hex")}`;

describe("test runs keep no secret an API echoes", () => {
  const cases: { name: string; input: (secret: string) => ConnectionInput }[] = [
    { name: "Query-params API key (echoed in a Link header)", input: (secret) => ({ name: "query", baseUrl: echoing.url, authType: "QUERY", params: [{ name: "api_key", value: secret, secret: true }] }) },
    { name: "Header API key", input: (secret) => ({ name: "header", baseUrl: echoing.url, authType: "HEADER", headers: [{ name: "X-Api-Key", value: secret.replace(/[^\x20-\x7e]/g, "e"), secret: true }] }) },
    { name: "Basic password (and the base64 of the credentials)", input: (secret) => ({ name: "basic", baseUrl: echoing.url, authType: "BASIC", username: "ada", password: secret }) },
    {
      name: "Custom secrets",
      input: (secret) => ({
        name: "custom",
        baseUrl: echoing.url,
        authType: "CUSTOM",
        headers: [{ name: "X-Tenant-Key", value: `h-${secret.replace(/[^\x20-\x7e]/g, "e")}`, secret: true }],
        params: [{ name: "sig", value: `p-${secret}`, secret: true }],
        username: "svc",
        password: `b-${secret}`,
      }),
    },
  ];

  for (const { name, input } of cases) {
    it(name, async () => {
      const secret = tricky(name.split(" ")[0]!);
      const connection = input(secret);
      const { id } = await connections.createConnection(teamId(), owner.actor, connection, null);
      const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
      expect(run.ok, run.summary).toBe(true);
      // The API did echo the secrets (and they were redacted): the test would prove nothing otherwise.
      expect(JSON.stringify(run)).toContain("••••••");
      const values = [secret, secret.replace(/[^\x20-\x7e]/g, "e"), `h-${secret.replace(/[^\x20-\x7e]/g, "e")}`, `p-${secret}`, `b-${secret}`];
      if (connection.authType === "BASIC") values.push(`ada:${secret}`);
      if (connection.authType === "CUSTOM") values.push(`svc:b-${secret}`);
      const shown = JSON.stringify(run);
      const stored = await storedRuns(id);
      for (const value of values) {
        for (const spelling of spellings(value)) {
          expect(shown, `shown: ${spelling}`).not.toContain(spelling);
          expect(stored, `stored: ${spelling}`).not.toContain(spelling);
        }
      }
      expect(run.responseHeaders.link).toContain("limit=10");
    });
  }

  it("OAuth2: the current access token echoed in headers and body", async () => {
    const { id } = await connections.createConnection(teamId(), owner.actor, clientCredentialsInput(as, { name: "machine", baseUrl: echoing.url }), null);
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.ok, run.summary).toBe(true);
    const token = as.issuedAccessTokens().at(-1)!.token;
    expect(String(echoing.received.at(-1)!.headers.authorization)).toBe(`Bearer ${token}`);
    const shown = JSON.stringify(run);
    const stored = await storedRuns(id);
    for (const spelling of spellings(token)) {
      expect(shown).not.toContain(spelling);
      expect(stored).not.toContain(spelling);
    }
  });
});

describe("a redirect to another origin gets none of the connection's credentials", () => {
  it("headers and query parameters stay behind, and the run says so", async () => {
    const { id } = await connections.createConnection(
      teamId(),
      owner.actor,
      {
        name: "moved",
        baseUrl: redirecting.url,
        authType: "CUSTOM",
        headers: [
          { name: "X-Api-Key", value: "header-secret-1", secret: true },
          { name: "X-Tenant", value: "tenant-7", secret: false },
        ],
        params: [{ name: "api_key", value: "query-secret-2", secret: true }],
        username: "svc",
        password: "basic-secret-3",
      },
      null,
    );
    const run = await testing.runTestRequest(teamId(), owner.actor, id, { method: "GET", path: "/items?page=2", headers: [{ name: "Accept", value: "application/json" }], body: "" });
    const first = redirecting.received.at(-1)!;
    expect(first.headers["x-api-key"]).toBe("header-secret-1");
    const arrived = elsewhere.received.at(-1)!;
    expect(new URL(arrived.url, elsewhere.url).searchParams.get("page")).toBe("2");
    expect(arrived.headers.accept).toBe("application/json");
    expect(JSON.stringify(arrived)).not.toMatch(/header-secret-1|query-secret-2|basic-secret-3|tenant-7|api_key|authorization/i);
    expect(run.ok).toBe(true);
    expect(run.summary).toMatch(/withheld the connection's credentials/);
  });

  it("the client certificate is not presented to the other origin", async () => {
    const ca = await createCa();
    const serverCert = await issue(ca, { subject: "CN=127.0.0.1", ips: ["127.0.0.1"], usage: "server" });
    const client = await issue(ca, { subject: "CN=keyway-moving-client", usage: "client" });
    // Asks for a certificate without requiring one, and says which it got.
    const target = createHttpsServer({ cert: serverCert.certPem, key: serverCert.keyPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: false }, (request, response) => {
      const peer = (request.socket as TLSSocket).getPeerCertificate();
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ presented: peer?.subject?.CN ?? null }));
    });
    await new Promise<void>((resolve) => target.listen(0, "127.0.0.1", resolve));
    const targetUrl = `https://127.0.0.1:${(target.address() as AddressInfo).port}`;
    const moving = await startHttpsEcho({
      ...serverCert,
      clientCa: ca.certPem,
      route: (_request, response) => {
        response.writeHead(307, { location: `${targetUrl}/landed` }).end();
        return true;
      },
    });
    try {
      const certificate = { chainPem: client.certPem, caPem: ca.certPem, privateKeyPem: client.keyPem, subject: "CN=keyway-moving-client", expiresAt: new Date(Date.now() + 86_400_000) };
      const { id } = await connections.createConnection(teamId(), owner.actor, { name: "mtls moved", baseUrl: moving.url, authType: "NONE" }, certificate);
      const run = await testing.runTestRequest(teamId(), owner.actor, id, { method: "GET", path: "", headers: [], body: "" });
      expect(moving.received.at(-1)!.clientCertSubject).toBe("keyway-moving-client");
      expect(run.ok, run.summary).toBe(true);
      expect(JSON.parse(run.responseBody!)).toEqual({ presented: null });
      expect(run.summary).toMatch(/withheld/);
    } finally {
      await moving.close();
      await new Promise<void>((resolve) => {
        target.close(() => resolve());
        target.closeAllConnections();
      });
    }
  });
});
