import { randomBytes } from "node:crypto";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";
import { makeUser } from "../support/fixtures";
import { EC_KID, RSA_KID, startClientAuthServer, type ClientAuthServer } from "../support/oauth-client-auth-server";
import type { TestRequestInput } from "@/lib/connections/test-request";

// Client authentication with a private key (private_key_jwt, RFC 7523 2.2)
// and with a client certificate (tls_client_auth and
// self_signed_tls_client_auth, RFC 8705) against oidc-provider configured to
// require each (issue 16, item 9), for client-credentials connections whose
// client is typed in place.

process.env.KEYWAY_ENCRYPTION_KEYS = `k1:${randomBytes(32).toString("base64")}`;
process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;
let plain: ClientAuthServer;
let mtls: ClientAuthServer;
let connections: typeof import("@/lib/connections");
let testing: typeof import("@/lib/connections/test-request");
let certificates: typeof import("@/lib/connections/certificate-input");
let owner: Awaited<ReturnType<typeof makeUser>>;

beforeAll(async () => {
  env = await useFreshAppDatabase("oauth_client_auth");
  [plain, mtls] = await Promise.all([startClientAuthServer({ https: false }), startClientAuthServer({ https: true })]);
  connections = await import("@/lib/connections");
  testing = await import("@/lib/connections/test-request");
  certificates = await import("@/lib/connections/certificate-input");
  owner = await makeUser("client-auth-owner");
});
afterAll(async () => {
  await Promise.all([plain?.close(), mtls?.close()]);
  await env?.close();
});

const teamId = () => owner.personalTeam.id;
const GET: TestRequestInput = { method: "GET", path: "", headers: [], body: "" };

function input(server: ClientAuthServer, clientId: string, method: string, extra: Record<string, unknown> = {}) {
  return {
    name: `${clientId} ${randomBytes(3).toString("hex")}`,
    baseUrl: server.resourceUrl,
    authType: "OAUTH2_CLIENT_CREDENTIALS" as const,
    oauthClientRef: "",
    tokenUrl: server.tokenUrl,
    clientId,
    clientSecret: "",
    tokenAuthMethod: method as "private_key_jwt",
    scopes: "read",
    audience: "",
    extraParams: [],
    ...extra,
  };
}

describe("private_key_jwt", () => {
  for (const [alg, clientId, kid] of [
    ["RS256", "keyway-pkjwt-rs", RSA_KID],
    ["PS256", "keyway-pkjwt-rs", `${RSA_KID}-pss`],
    ["ES256", "keyway-pkjwt-es", EC_KID],
  ] as const) {
    it(`gets a token with an ${alg} client assertion, and the API accepts it`, async () => {
      const keyPem = alg === "ES256" ? plain.ecKeyPem : plain.rsaKeyPem;
      const { id } = await connections.createConnection(teamId(), owner.actor, input(plain, clientId, "private_key_jwt", { clientPrivateKeyPem: keyPem, clientAssertionAlg: alg, clientAssertionKid: kid }), null);
      const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
      expect(run.status, `${run.summary} ${plain.refusals().join(" | ")}`).toBe(200);
      expect(JSON.parse(run.responseBody!)).toMatchObject({ client_id: clientId });
      const assertion = plain.assertions()[clientId]!.at(-1)!;
      expect(decodeProtectedHeader(assertion)).toMatchObject({ alg, kid });
      // Endpoints typed in: the audience is the token endpoint (RFC 7523 3), which every server accepts.
      expect(decodeJwt(assertion)).toMatchObject({ iss: clientId, sub: clientId, aud: plain.tokenUrl });

      // The key is kept encrypted and never comes back: not in the hints, config or audit.
      const row = await env.db.connection.findUniqueOrThrow({ where: { id } });
      const keyBody = keyPem.split("\n")[1]!;
      for (const shown of [row.config, row.secretHints, await env.db.auditEvent.findMany({ where: { objectId: id }, select: { data: true } })]) expect(JSON.stringify(shown)).not.toContain(keyBody);
      expect(row.secrets).not.toContain(keyBody);
      expect(row.secretHints).toMatchObject({ clientPrivateKeyPem: { set: true } });
    });
  }

  it("an edit that leaves the key empty keeps it; a key that does not fit the algorithm is refused on its field", async () => {
    const base = input(plain, "keyway-pkjwt-rs", "private_key_jwt", { clientPrivateKeyPem: plain.rsaKeyPem, clientAssertionAlg: "RS256", clientAssertionKid: RSA_KID });
    const { id } = await connections.createConnection(teamId(), owner.actor, base, null);
    await connections.updateConnection(teamId(), owner.actor, id, { ...base, clientPrivateKeyPem: "" }, "keep");
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.status, run.summary).toBe(200);

    await expect(connections.createConnection(teamId(), owner.actor, { ...base, clientPrivateKeyPem: plain.ecKeyPem }, null)).rejects.toMatchObject({
      fieldErrors: { clientPrivateKeyPem: expect.stringMatching(/RS256 needs an RSA key; this is an EC key: choose ES256/) },
    });
    await expect(connections.createConnection(teamId(), owner.actor, { ...base, clientPrivateKeyPem: "" }, null)).rejects.toMatchObject({
      fieldErrors: { clientPrivateKeyPem: expect.stringMatching(/Paste the private key/) },
    });
  });

  it("a key the provider does not know is refused by it, and said so", async () => {
    const { generateKeyPairSync } = await import("node:crypto");
    const stranger = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    const { id } = await connections.createConnection(teamId(), owner.actor, input(plain, "keyway-pkjwt-rs", "private_key_jwt", { clientPrivateKeyPem: stranger, clientAssertionAlg: "RS256", clientAssertionKid: RSA_KID }), null);
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.ok).toBe(false);
    expect(run.summary).toMatch(/the provider refused it \(HTTP 401\).*invalid_client/);
    expect(run.summary).not.toContain(stranger.split("\n")[1]!);
  });
});

describe("tls_client_auth and self_signed_tls_client_auth", () => {
  function certificate(issued: { certPem: string; keyPem: string }) {
    const chosen = certificates.certificateToStore({ mode: "new", certificatePem: issued.certPem, privateKeyPem: issued.keyPem, passphrase: "", caPem: mtls.ca!.certPem }, false);
    if (!chosen.ok || chosen.certificate === "keep") throw new Error(JSON.stringify(chosen));
    return chosen.certificate;
  }

  for (const [method, clientId, which] of [
    ["tls_client_auth", "keyway-tls", "tlsClient"],
    ["self_signed_tls_client_auth", "keyway-self-signed", "selfSigned"],
  ] as const) {
    it(`${method}: the connection's client certificate authenticates the client at the token endpoint`, async () => {
      const { id } = await connections.createConnection(teamId(), owner.actor, input(mtls, clientId, method), certificate(mtls[which]!));
      const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
      expect(run.status, `${run.summary} ${mtls.refusals().join(" | ")}`).toBe(200);
      expect(JSON.parse(run.responseBody!)).toMatchObject({ client_id: clientId });
    });
  }

  it("another certificate is refused by the provider; no certificate at all is refused on the form", async () => {
    const { id } = await connections.createConnection(teamId(), owner.actor, input(mtls, "keyway-tls", "tls_client_auth"), certificate(mtls.selfSigned!));
    const run = await testing.runTestRequest(teamId(), owner.actor, id, GET);
    expect(run.ok).toBe(false);
    expect(run.summary).toMatch(/invalid_client/);

    await expect(connections.createConnection(teamId(), owner.actor, input(mtls, "keyway-tls", "tls_client_auth"), null)).rejects.toMatchObject({
      fieldErrors: { tokenAuthMethod: expect.stringMatching(/client certificate/) },
    });
  });
});
