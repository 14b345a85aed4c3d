import { createPrivateKey, webcrypto, type KeyExportOptions } from "node:crypto";
// @peculiar/x509 resolves its internals through tsyringe, which needs this polyfill loaded first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import { checkClientCertificate, describeExpiry, splitPemCertificates, type ClientCertInput, type ClientCertProblem } from "@/lib/connections/client-cert";

// Real certificates and keys, made fresh for this file with @peculiar/x509 on
// node's WebCrypto: an RSA root and intermediate CA, an RSA client certificate
// issued by the intermediate, and EC ones for the key-format and expiry cases.
// Every check runs at a fixed `now`, so day counts are exact.

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const DAY_MS = 24 * 60 * 60 * 1000;
const NOW = new Date("2026-11-23T12:00:00Z");
const RSA = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const EC = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };

type Made = { pem: string; keyPem: string; cert: x509.X509Certificate; keys: CryptoKeyPair; algorithm: typeof RSA | typeof EC };

async function make(subject: string, options: { algorithm: typeof RSA | typeof EC; issuer?: Made; ca?: boolean; notBefore?: Date; notAfter?: Date }): Promise<Made> {
  const keys = (await webcrypto.subtle.generateKey(options.algorithm, true, ["sign", "verify"])) as CryptoKeyPair;
  const common = {
    serialNumber: webcrypto.getRandomValues(new Uint8Array(8)).reduce((hex, byte) => hex + byte.toString(16).padStart(2, "0"), "7f"),
    notBefore: options.notBefore ?? new Date("2026-01-01T00:00:00Z"),
    notAfter: options.notAfter ?? new Date("2030-01-01T00:00:00Z"),
    extensions: [new x509.BasicConstraintsExtension(Boolean(options.ca), undefined, true)],
  };
  const cert = options.issuer
    ? await x509.X509CertificateGenerator.create({
        ...common,
        subject,
        issuer: options.issuer.cert.subject,
        publicKey: keys.publicKey,
        signingKey: options.issuer.keys.privateKey,
        signingAlgorithm: options.issuer.algorithm,
      })
    : await x509.X509CertificateGenerator.createSelfSigned({ ...common, name: subject, keys, signingAlgorithm: options.algorithm });
  const der = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { pem: cert.toString("pem"), keyPem: x509.PemConverter.encode(der, "PRIVATE KEY"), cert, keys, algorithm: options.algorithm };
}

/** The same key in another PEM form, optionally encrypted, made by node itself. */
function rewrite(keyPem: string, type: "pkcs8" | "pkcs1" | "sec1", passphrase?: string): string {
  const options: KeyExportOptions<"pem"> = passphrase === undefined ? { type, format: "pem" } : { type, format: "pem", cipher: "aes-256-cbc", passphrase };
  return createPrivateKey(keyPem).export(options).toString();
}

/** A PEM block with three lines of its body missing: still PEM-shaped, but not DER any more. */
function truncated(pem: string): string {
  const lines = pem.trim().split("\n");
  return [...lines.slice(0, -4), lines.at(-1)].join("\n");
}

function problemsOf(input: ClientCertInput): ClientCertProblem[] {
  const result = checkClientCertificate(input, NOW);
  return result.ok ? [] : result.problems;
}

async function sha256Fingerprint(cert: x509.X509Certificate): Promise<string> {
  const digest = new Uint8Array(await cert.getThumbprint("SHA-256"));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0").toUpperCase()).join(":");
}

const root = await make("CN=Keyway Test Root, O=Acme", { algorithm: RSA, ca: true });
const intermediate = await make("CN=Keyway Test Intermediate, O=Acme", { algorithm: RSA, issuer: root, ca: true });
const client = await make("CN=client.example.test, O=Acme", {
  algorithm: RSA,
  issuer: intermediate,
  notBefore: new Date("2026-11-01T00:00:00Z"),
  notAfter: new Date("2027-03-12T12:00:00Z"),
});
const ecClient = await make("CN=ec.example.test, O=Acme\\, Inc.", { algorithm: EC, issuer: intermediate });
const stranger = await make("CN=someone-else", { algorithm: EC, issuer: intermediate });

const PEM_LINES = /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END CERTIFICATE-----$/;

describe("checkClientCertificate", () => {
  it("accepts an RSA certificate with its PKCS#8 key and describes it", async () => {
    const result = checkClientCertificate({ certificatePem: client.pem, privateKeyPem: client.keyPem }, NOW);
    expect(result).toEqual({
      ok: true,
      summary: {
        subject: "CN=client.example.test, O=Acme",
        issuer: "CN=Keyway Test Intermediate, O=Acme",
        validFrom: new Date("2026-11-01T00:00:00Z"),
        validTo: new Date("2027-03-12T12:00:00Z"),
        fingerprint256: await sha256Fingerprint(client.cert),
        expiry: "valid",
        daysLeft: 109,
      },
      chainPem: `${client.pem.trim()}\n`,
    });
    expect(result.ok && result.summary.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  it("reads RSA keys as PKCS#1 and EC keys as SEC1 and PKCS#8", () => {
    expect(rewrite(client.keyPem, "pkcs1")).toContain("-----BEGIN RSA PRIVATE KEY-----");
    expect(checkClientCertificate({ certificatePem: client.pem, privateKeyPem: rewrite(client.keyPem, "pkcs1") }, NOW).ok).toBe(true);

    const sec1 = rewrite(ecClient.keyPem, "sec1");
    expect(sec1).toContain("-----BEGIN EC PRIVATE KEY-----");
    expect(ecClient.keyPem).toContain("-----BEGIN PRIVATE KEY-----");
    for (const privateKeyPem of [sec1, ecClient.keyPem]) {
      const result = checkClientCertificate({ certificatePem: ecClient.pem, privateKeyPem }, NOW);
      expect(result.ok && result.summary.subject).toBe("CN=ec.example.test, O=Acme\\, Inc.");
    }
  });

  it("decrypts an encrypted key with its passphrase, and says which field is wrong otherwise", () => {
    const encrypted = rewrite(client.keyPem, "pkcs8", "open sesame");
    expect(encrypted).toContain("-----BEGIN ENCRYPTED PRIVATE KEY-----");
    const withPassphrase = (passphrase?: string) => ({ certificatePem: client.pem, privateKeyPem: encrypted, passphrase });

    const ok = checkClientCertificate(withPassphrase("open sesame"), NOW);
    expect(ok.ok && ok.summary.subject).toBe("CN=client.example.test, O=Acme");
    expect(problemsOf(withPassphrase())).toEqual([{ field: "passphrase", message: "This key is encrypted: enter its passphrase." }]);
    expect(problemsOf(withPassphrase(""))).toEqual([{ field: "passphrase", message: "This key is encrypted: enter its passphrase." }]);
    expect(problemsOf(withPassphrase("open sesame!"))).toEqual([{ field: "passphrase", message: "The passphrase does not decrypt this key." }]);

    // OpenSSL's older encryption of PKCS#1 keys (Proc-Type: 4,ENCRYPTED) too.
    const legacy = rewrite(client.keyPem, "pkcs1", "open sesame");
    expect(legacy).toContain("Proc-Type: 4,ENCRYPTED");
    expect(checkClientCertificate({ certificatePem: client.pem, privateKeyPem: legacy, passphrase: "open sesame" }, NOW).ok).toBe(true);
    expect(problemsOf({ certificatePem: client.pem, privateKeyPem: legacy })).toEqual([{ field: "passphrase", message: "This key is encrypted: enter its passphrase." }]);

    // A passphrase for a key that is not encrypted is simply not needed.
    expect(checkClientCertificate({ certificatePem: client.pem, privateKeyPem: client.keyPem, passphrase: "unused" }, NOW).ok).toBe(true);
  });

  it("refuses the key of another certificate", () => {
    const mismatch = [{ field: "privateKeyPem", message: "This private key does not belong to the certificate." }];
    expect(problemsOf({ certificatePem: ecClient.pem, privateKeyPem: stranger.keyPem })).toEqual(mismatch);
    expect(problemsOf({ certificatePem: client.pem, privateKeyPem: ecClient.keyPem })).toEqual(mismatch);
    expect(problemsOf({ certificatePem: client.pem, privateKeyPem: intermediate.keyPem })).toEqual(mismatch);
  });

  it("says so when a private key is pasted as the certificate, or a certificate as the key", () => {
    expect(problemsOf({ certificatePem: client.keyPem, privateKeyPem: client.keyPem })).toEqual([
      { field: "certificatePem", message: "This is a private key, not a certificate: paste it in the private key field, and the certificate here." },
    ]);
    expect(problemsOf({ certificatePem: client.pem, privateKeyPem: client.pem })).toEqual([
      { field: "privateKeyPem", message: "This is a certificate, not a private key: paste the private key that belongs to the certificate." },
    ]);
  });

  it("refuses garbage, damaged PEM and a bad CA bundle, each next to its own field", () => {
    expect(problemsOf({ certificatePem: "hello", privateKeyPem: "world", caPem: "nope" })).toEqual([
      { field: "certificatePem", message: "Paste a PEM certificate: text that starts with -----BEGIN CERTIFICATE-----." },
      { field: "privateKeyPem", message: "Paste a PEM private key: text that starts with -----BEGIN PRIVATE KEY----- (or RSA, EC or ENCRYPTED PRIVATE KEY)." },
      {
        field: "caPem",
        message: "Paste the CA certificates as PEM (text that starts with -----BEGIN CERTIFICATE-----), or leave this empty to trust the usual public CAs.",
      },
    ]);
    expect(problemsOf({ certificatePem: "", privateKeyPem: "" }).map((p) => p.field)).toEqual(["certificatePem", "privateKeyPem"]);

    expect(problemsOf({ certificatePem: truncated(client.pem), privateKeyPem: client.keyPem })).toEqual([
      { field: "certificatePem", message: "This certificate could not be read: check that it was copied whole, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----." },
    ]);
    expect(problemsOf({ certificatePem: `${client.pem}\n${truncated(intermediate.pem)}`, privateKeyPem: client.keyPem })).toEqual([
      {
        field: "certificatePem",
        message: "Certificate 2 of 2 could not be read: check that the chain was copied whole, each certificate from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.",
      },
    ]);
    expect(problemsOf({ certificatePem: client.pem, privateKeyPem: truncated(client.keyPem) })).toEqual([
      { field: "privateKeyPem", message: "This private key could not be read: check that it was copied whole, from -----BEGIN to -----END." },
    ]);

    const withCa = (caPem: string) => problemsOf({ certificatePem: client.pem, privateKeyPem: client.keyPem, caPem });
    expect(withCa(`${root.pem}\n${truncated(intermediate.pem)}`)).toEqual([
      {
        field: "caPem",
        message: "Certificate 2 of 2 could not be read: check that the bundle was copied whole, each certificate from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.",
      },
    ]);
    expect(withCa(root.keyPem)).toEqual([
      { field: "caPem", message: "This is a private key, not a CA certificate: paste the certificates of the CA that signed the server's certificate." },
    ]);
  });

  it("never repeats key material in its messages", () => {
    const encrypted = rewrite(client.keyPem, "pkcs8", "open sesame");
    const inputs: ClientCertInput[] = [
      { certificatePem: client.keyPem, privateKeyPem: client.keyPem, caPem: ecClient.keyPem },
      { certificatePem: client.pem, privateKeyPem: truncated(client.keyPem) },
      { certificatePem: client.pem, privateKeyPem: encrypted, passphrase: "wrong passphrase" },
      { certificatePem: client.pem, privateKeyPem: stranger.keyPem },
    ];
    const messages = inputs.flatMap((input) => problemsOf(input).map((p) => p.message));
    expect(messages).toHaveLength(5);
    for (const message of messages) {
      expect(message).not.toMatch(/[A-Za-z0-9+/]{24,}/);
      expect(message).not.toContain("wrong passphrase");
    }
  });

  it("accepts an expired certificate but marks it expired", async () => {
    const expired = await make("CN=old", { algorithm: EC, issuer: intermediate, notBefore: new Date("2026-01-01T00:00:00Z"), notAfter: new Date(NOW.getTime() - 3 * DAY_MS) });
    const result = checkClientCertificate({ certificatePem: expired.pem, privateKeyPem: expired.keyPem }, NOW);
    expect(result.ok && { expiry: result.summary.expiry, daysLeft: result.summary.daysLeft }).toEqual({ expiry: "expired", daysLeft: -3 });
    expect(result.ok && describeExpiry(result.summary.validTo, NOW).message).toBe("Expired 3 days ago");
  });

  it("marks a certificate that expires in 10 days as expiring soon", async () => {
    const soon = await make("CN=soon", { algorithm: EC, issuer: intermediate, notAfter: new Date(NOW.getTime() + 10 * DAY_MS + 6 * 60 * 60 * 1000) });
    const result = checkClientCertificate({ certificatePem: soon.pem, privateKeyPem: soon.keyPem }, NOW);
    expect(result.ok && { expiry: result.summary.expiry, daysLeft: result.summary.daysLeft }).toEqual({ expiry: "expiring-soon", daysLeft: 10 });
    expect(result.ok && describeExpiry(result.summary.validTo, NOW).message).toBe("Expires in 10 days — renew it soon");
  });

  it("keeps a chain of leaf and intermediate, normalised, and wants the leaf first", () => {
    const pasted = `subject=CN=client.example.test\r\n${client.pem.replace(/\n/g, "\r\n")}\r\n\r\n${intermediate.pem.replace(/^/gm, "    ")}\n\n`;
    const result = checkClientCertificate({ certificatePem: pasted, privateKeyPem: client.keyPem }, NOW);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.summary.subject).toBe("CN=client.example.test, O=Acme");
    expect(result.chainPem).toBe(`${client.pem.trim()}\n${intermediate.pem.trim()}\n`);
    expect(splitPemCertificates(result.chainPem)).toEqual([client.pem.trim(), intermediate.pem.trim()]);

    expect(problemsOf({ certificatePem: `${intermediate.pem}\n${client.pem}`, privateKeyPem: client.keyPem })).toEqual([
      { field: "certificatePem", message: "Put the certificate that belongs to this key first, then its intermediates." },
    ]);
  });

  it("keeps a CA bundle, and leaves it out when the field is blank", () => {
    const withCa = checkClientCertificate({ certificatePem: client.pem, privateKeyPem: client.keyPem, caPem: `# Acme roots\n${root.pem}${intermediate.pem}` }, NOW);
    expect(withCa.ok && withCa.caPem).toBe(`${root.pem.trim()}\n${intermediate.pem.trim()}\n`);
    const blank = checkClientCertificate({ certificatePem: client.pem, privateKeyPem: client.keyPem, caPem: "  \n" }, NOW);
    expect(blank.ok && "caPem" in blank).toBe(false);
  });
});

describe("splitPemCertificates", () => {
  it("splits a bundle into its certificate blocks, in order, skipping everything else", () => {
    const bundle = `Bag Attributes\n${client.pem}\n${ecClient.keyPem}\n${intermediate.pem}${root.pem}`;
    const blocks = splitPemCertificates(bundle);
    expect(blocks).toEqual([client.pem.trim(), intermediate.pem.trim(), root.pem.trim()]);
    for (const block of blocks) expect(block).toMatch(PEM_LINES);
    expect(splitPemCertificates("no certificates here")).toEqual([]);
  });

  it("puts a certificate squashed onto one line back on its own lines", () => {
    const squashed = client.pem.trim().replace(/\n/g, " ");
    expect(splitPemCertificates(squashed)).toEqual([client.pem.trim()]);
    expect(checkClientCertificate({ certificatePem: squashed, privateKeyPem: client.keyPem }, NOW).ok).toBe(true);
  });
});

describe("describeExpiry", () => {
  const at = (ms: number) => describeExpiry(new Date(NOW.getTime() + ms), NOW);

  it("gives the date while there is time, and the days left once it is near", () => {
    expect(describeExpiry(new Date("2027-03-12T12:00:00Z"), NOW)).toEqual({ expiry: "valid", daysLeft: 109, message: "Expires 12 Mar 2027 (in 109 days)" });
    expect(at(31 * DAY_MS)).toEqual({ expiry: "valid", daysLeft: 31, message: "Expires 24 Dec 2026 (in 31 days)" });
    expect(at(30 * DAY_MS + 1000)).toEqual({ expiry: "expiring-soon", daysLeft: 30, message: "Expires in 30 days — renew it soon" });
    expect(at(DAY_MS + 1000)).toEqual({ expiry: "expiring-soon", daysLeft: 1, message: "Expires in 1 day — renew it soon" });
    expect(at(60_000)).toEqual({ expiry: "expiring-soon", daysLeft: 0, message: "Expires in less than a day — renew it now" });
  });

  it("counts the days since it expired", () => {
    expect(at(0)).toEqual({ expiry: "expired", daysLeft: 0, message: "Expired less than a day ago" });
    expect(at(-DAY_MS - 1000)).toEqual({ expiry: "expired", daysLeft: -1, message: "Expired 1 day ago" });
    expect(at(-3.5 * DAY_MS)).toEqual({ expiry: "expired", daysLeft: -3, message: "Expired 3 days ago" });
  });

  it("measures from the current time by default", () => {
    expect(describeExpiry(new Date(Date.now() + 40 * DAY_MS + 60_000))).toMatchObject({ expiry: "valid", daysLeft: 40 });
    expect(describeExpiry(new Date(Date.now() - 60_000)).expiry).toBe("expired");
  });
});
