import { createPrivateKey, X509Certificate, type KeyObject } from "node:crypto";

// The client SSL certificate of a connection ("Use client SSL certificate"):
// checked and described when the connection is saved. node:crypto does all the
// X.509 and key parsing; this module only finds the PEM blocks, picks the field
// each problem belongs to, and words it. Messages never quote key material.

export type ClientCertInput = { certificatePem: string; privateKeyPem: string; passphrase?: string; caPem?: string };
export type ClientCertExpiry = "valid" | "expiring-soon" | "expired";
export type ClientCertSummary = {
  subject: string;
  issuer: string;
  validFrom: Date;
  validTo: Date;
  fingerprint256: string;
  expiry: ClientCertExpiry;
  daysLeft: number;
};
export type ClientCertProblem = { field: "certificatePem" | "privateKeyPem" | "passphrase" | "caPem"; message: string };
export type ClientCertCheck = { ok: true; summary: ClientCertSummary; chainPem: string; caPem?: string } | { ok: false; problems: ClientCertProblem[] };

const DAY_MS = 24 * 60 * 60 * 1000;
/** A certificate that expires within this many days is "expiring-soon". */
export const EXPIRY_WARNING_DAYS = 30;

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;
const BASE64_BODY = /^[A-Za-z0-9+/]+={0,2}$/;
// The PEM private key forms node:crypto reads: PKCS#8 (plain or encrypted), PKCS#1 RSA, SEC1 EC, and DSA.
const PRIVATE_KEY_HEADER = /-----BEGIN (?:RSA |EC |DSA |ENCRYPTED )?PRIVATE KEY-----/;
const ANY_PRIVATE_KEY_HEADER = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/;
const ENCRYPTED_KEY = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type:\s*4,\s*ENCRYPTED/;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * The certificates of a PEM bundle, in order, each as its own block on its own
 * lines: line endings, indentation and a body squashed onto one line (as some
 * copy-pastes leave it) are put back to 64-character lines. Anything between
 * the blocks (comments, "subject=" lines, keys) is left out.
 */
export function splitPemCertificates(pem: string): string[] {
  return Array.from(pem.matchAll(CERTIFICATE_BLOCK), (match) => {
    const body = (match[1] ?? "").replace(/\s+/g, "");
    // Not plain base64 (RFC 1421 headers, stray text): keep it as written and let the parser judge it.
    const lines = BASE64_BODY.test(body)
      ? (body.match(/.{1,64}/g) ?? [])
      : (match[1] ?? "")
          .split(/\r?\n|\r/)
          .map((line) => line.trim())
          .filter(Boolean);
    return ["-----BEGIN CERTIFICATE-----", ...lines, "-----END CERTIFICATE-----"].join("\n");
  });
}

/** "12 Mar 2027", in UTC like the certificate's own dates. */
function formatDate(date: Date): string {
  return `${date.getUTCDate()} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
}

function days(count: number): string {
  return count === 1 ? "1 day" : `${count} days`;
}

/**
 * Whether a certificate ending at validTo is still good at `now`. daysLeft
 * counts whole days, rounded towards zero: negative once it has expired.
 */
export function describeExpiry(validTo: Date, now: Date = new Date()): { expiry: ClientCertExpiry; daysLeft: number; message: string } {
  const remaining = validTo.getTime() - now.getTime();
  const whole = Math.floor(Math.abs(remaining) / DAY_MS);
  if (remaining <= 0) {
    const daysLeft = whole === 0 ? 0 : -whole;
    return { expiry: "expired", daysLeft, message: whole === 0 ? "Expired less than a day ago" : `Expired ${days(whole)} ago` };
  }
  if (whole <= EXPIRY_WARNING_DAYS) {
    return { expiry: "expiring-soon", daysLeft: whole, message: whole === 0 ? "Expires in less than a day — renew it now" : `Expires in ${days(whole)} — renew it soon` };
  }
  return { expiry: "valid", daysLeft: whole, message: `Expires ${formatDate(validTo)} (in ${days(whole)})` };
}

/** Node gives a name one attribute a line, in the certificate's order (commas inside values already escaped). */
function oneLine(name: string): string {
  return name
    .split("\n")
    .map((part) => part.trim())
    .filter(Boolean)
    .join(", ");
}

type CertificateField = "certificatePem" | "caPem";

const CERTIFICATE_WORDING: Record<CertificateField, { missing: string; key: string; one: string; several: string }> = {
  certificatePem: {
    missing: "Paste a PEM certificate: text that starts with -----BEGIN CERTIFICATE-----.",
    key: "This is a private key, not a certificate: paste it in the private key field, and the certificate here.",
    one: "This certificate could not be read: check that it was copied whole, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.",
    several: "could not be read: check that the chain was copied whole, each certificate from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.",
  },
  caPem: {
    missing: "Paste the CA certificates as PEM (text that starts with -----BEGIN CERTIFICATE-----), or leave this empty to trust the usual public CAs.",
    key: "This is a private key, not a CA certificate: paste the certificates of the CA that signed the server's certificate.",
    one: "This CA certificate could not be read: check that it was copied whole, from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.",
    several: "could not be read: check that the bundle was copied whole, each certificate from -----BEGIN CERTIFICATE----- to -----END CERTIFICATE-----.",
  },
};

function parseCertificates(pem: string, field: CertificateField, problems: ClientCertProblem[]): X509Certificate[] | undefined {
  const wording = CERTIFICATE_WORDING[field];
  const blocks = splitPemCertificates(pem);
  if (blocks.length === 0) {
    let message = wording.missing;
    if (ANY_PRIVATE_KEY_HEADER.test(pem)) message = wording.key;
    else if (/-----BEGIN (?:NEW )?CERTIFICATE REQUEST-----/.test(pem)) message = "This is a certificate signing request (CSR), not a certificate: paste the certificate the CA issued for it.";
    problems.push({ field, message });
    return undefined;
  }
  const certificates: X509Certificate[] = [];
  for (const [index, block] of blocks.entries()) {
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      const message = blocks.length === 1 ? wording.one : `Certificate ${index + 1} of ${blocks.length} ${wording.several}`;
      problems.push({ field, message });
      return undefined;
    }
  }
  return certificates;
}

function parseKey(pem: string, passphrase: string | undefined, problems: ClientCertProblem[]): KeyObject | undefined {
  const field = "privateKeyPem";
  if (!PRIVATE_KEY_HEADER.test(pem)) {
    let message = "Paste a PEM private key: text that starts with -----BEGIN PRIVATE KEY----- (or RSA, EC or ENCRYPTED PRIVATE KEY).";
    if (/-----BEGIN OPENSSH PRIVATE KEY-----/.test(pem)) message = "This is an OpenSSH key, which TLS cannot use: export it as a PEM private key (PKCS#8 or PKCS#1).";
    else if (/-----BEGIN (?:RSA )?PUBLIC KEY-----/.test(pem)) message = "This is a public key: paste the private key that belongs to the certificate.";
    else if (/-----BEGIN CERTIFICATE-----/.test(pem)) message = "This is a certificate, not a private key: paste the private key that belongs to the certificate.";
    problems.push({ field, message });
    return undefined;
  }
  const encrypted = ENCRYPTED_KEY.test(pem);
  if (encrypted && !passphrase) {
    problems.push({ field: "passphrase", message: "This key is encrypted: enter its passphrase." });
    return undefined;
  }
  try {
    // A passphrase given for a key that is not encrypted is not needed, and not an error.
    return createPrivateKey({ key: pem, format: "pem", ...(encrypted ? { passphrase } : {}) });
  } catch (error) {
    if (encrypted) {
      problems.push({ field: "passphrase", message: "The passphrase does not decrypt this key." });
    } else if (isMissingPassphrase(error)) {
      // Encrypted in a way the headers did not show.
      problems.push({ field: "passphrase", message: "This key is encrypted: enter its passphrase." });
    } else {
      problems.push({ field, message: "This private key could not be read: check that it was copied whole, from -----BEGIN to -----END." });
    }
    return undefined;
  }
}

function isMissingPassphrase(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ERR_MISSING_PASSPHRASE" || code === "ERR_OSSL_CRYPTO_INTERRUPTED_OR_CANCELLED";
}

function belongsTo(certificate: X509Certificate, key: KeyObject): boolean {
  try {
    return certificate.checkPrivateKey(key);
  } catch {
    return false;
  }
}

/**
 * Checks a client certificate (leaf first, then any intermediates), its
 * private key and an optional CA bundle for the server. On success gives a
 * summary of the leaf and the chain and CA bundle as normalised PEM, ready to
 * store; otherwise every problem found, at most one per field.
 */
export function checkClientCertificate(input: ClientCertInput, now: Date = new Date()): ClientCertCheck {
  const problems: ClientCertProblem[] = [];
  const chain = parseCertificates(input.certificatePem, "certificatePem", problems);
  const key = parseKey(input.privateKeyPem, input.passphrase, problems);
  const ca = input.caPem?.trim() ? parseCertificates(input.caPem, "caPem", problems) : undefined;

  const leaf = chain?.[0];
  if (chain && leaf && key && !belongsTo(leaf, key)) {
    if (chain.slice(1).some((certificate) => belongsTo(certificate, key))) {
      problems.push({ field: "certificatePem", message: "Put the certificate that belongs to this key first, then its intermediates." });
    } else {
      problems.push({ field: "privateKeyPem", message: "This private key does not belong to the certificate." });
    }
  }
  if (problems.length > 0 || !chain || !leaf || !key) return { ok: false, problems };

  const validTo = new Date(leaf.validTo);
  const { expiry, daysLeft } = describeExpiry(validTo, now);
  const toPem = (certificates: X509Certificate[]) => certificates.map((certificate) => certificate.toString().trim()).join("\n") + "\n";
  return {
    ok: true,
    summary: {
      subject: oneLine(leaf.subject),
      issuer: oneLine(leaf.issuer),
      validFrom: new Date(leaf.validFrom),
      validTo,
      fingerprint256: leaf.fingerprint256,
      expiry,
      daysLeft,
    },
    chainPem: toPem(chain),
    ...(ca ? { caPem: toPem(ca) } : {}),
  };
}
