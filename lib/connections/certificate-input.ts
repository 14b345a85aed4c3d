import { checkClientCertificate } from "./client-cert";
import type { CertificateDraft } from "./form-payload";
import type { ClientCertificateToStore } from "./index";

export type CertificateChoice = ClientCertificateToStore | "keep" | null;

/**
 * What to store for the client certificate part of a connection (the form's
 * and the API's): a new certificate checked and summarised, "keep" the saved
 * one (only when editing), or none. Problems come back per field, under "certificate.".
 */
export function certificateToStore(certificate: CertificateDraft, editing: boolean): { ok: true; certificate: CertificateChoice } | { ok: false; fieldErrors: Record<string, string> } {
  if (certificate.mode === "keep") return { ok: true, certificate: editing ? "keep" : null };
  if (certificate.mode === "none") return { ok: true, certificate: null };
  const passphrase = certificate.passphrase || undefined;
  const checked = checkClientCertificate({ certificatePem: certificate.certificatePem, privateKeyPem: certificate.privateKeyPem, passphrase, caPem: certificate.caPem || undefined });
  if (!checked.ok) return { ok: false, fieldErrors: Object.fromEntries(checked.problems.map((p) => [`certificate.${p.field}`, p.message])) };
  return {
    ok: true,
    certificate: { chainPem: checked.chainPem, caPem: checked.caPem, privateKeyPem: certificate.privateKeyPem, passphrase, subject: checked.summary.subject, expiresAt: checked.summary.validTo },
  };
}
