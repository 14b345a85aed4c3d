import { createPrivateKey, webcrypto } from "node:crypto";
// @peculiar/x509 resolves its internals through tsyringe, which needs this polyfill loaded first.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

// Certificates for tests, made fresh by each test run: a CA, servers and
// clients it signs, and whatever broken variants a test needs (expired, for
// another host name, signed by nobody we trust). ECDSA P-256 keeps it fast.

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export type Issued = { certPem: string; keyPem: string; cert: x509.X509Certificate; keys: CryptoKeyPair };

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"])) as CryptoKeyPair;
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return x509.PemConverter.encode(der, "PRIVATE KEY");
}

let serial = 1;
const nextSerial = () => (serial++).toString(16).padStart(2, "0");

export async function createCa(name = "CN=Keyway Test CA"): Promise<Issued> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: nextSerial(),
    name,
    notBefore: new Date(Date.now() - DAY_MS),
    notAfter: new Date(Date.now() + 365 * DAY_MS),
    keys,
    signingAlgorithm: ALGORITHM,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true), new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true)],
  });
  return { certPem: cert.toString("pem"), keyPem: await keyPem(keys), cert, keys };
}

export async function issue(
  ca: Issued,
  options: { subject: string; hosts?: string[]; ips?: string[]; usage: "server" | "client"; notBefore?: Date; notAfter?: Date },
): Promise<Issued> {
  const keys = await newKeys();
  const altNames = [...(options.hosts ?? []).map((value) => ({ type: "dns" as const, value })), ...(options.ips ?? []).map((value) => ({ type: "ip" as const, value }))];
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: nextSerial(),
    subject: options.subject,
    issuer: ca.cert.subject,
    notBefore: options.notBefore ?? new Date(Date.now() - DAY_MS),
    notAfter: options.notAfter ?? new Date(Date.now() + 90 * DAY_MS),
    signingKey: ca.keys.privateKey,
    publicKey: keys.publicKey,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([options.usage === "server" ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      ...(altNames.length > 0 ? [new x509.SubjectAlternativeNameExtension(altNames)] : []),
    ],
  });
  return { certPem: cert.toString("pem"), keyPem: await keyPem(keys), cert, keys };
}

/** The same key as PKCS#8 encrypted with a passphrase. */
export function encryptKeyPem(pem: string, passphrase: string): string {
  return createPrivateKey(pem).export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase }).toString();
}

/** The same EC key in SEC1 ("BEGIN EC PRIVATE KEY") form. */
export function sec1KeyPem(pem: string): string {
  return createPrivateKey(pem).export({ type: "sec1", format: "pem" }).toString();
}
