"use client";

import { Field, SelectField } from "@/components/form";
import { ASSERTION_ALGS, type AssertionAlg } from "@/lib/oauth/schemas";
import { PemField } from "./pem-field";

type KeyDraft = { clientPrivateKeyPem: string; clientAssertionAlg: AssertionAlg; clientAssertionKid: string };

/** private_key_jwt's fields, for a client typed in on a connection and for a registered client alike: the key (write-only), its algorithm and key ID. */
export function PrivateKeyJwtFields({ draft, errors, keySaved, onChange }: { draft: KeyDraft; errors: Record<string, string>; keySaved: boolean; onChange: (patch: Partial<KeyDraft>) => void }) {
  return (
    <>
      <PemField
        label="Private key (PEM)"
        name="clientPrivateKeyPem"
        value={draft.clientPrivateKeyPem}
        error={errors.clientPrivateKeyPem}
        onChange={(clientPrivateKeyPem) => onChange({ clientPrivateKeyPem })}
        hint={
          keySaved
            ? "Saved. Leave empty to keep it, or paste a new key. Register its public key (or JWKS) with the provider."
            : "Keyway signs each token request's client assertion with it (RFC 7523). Encrypted when saved, and never shown again; register its public key (or JWKS) with the provider."
        }
      />
      <div className="grid gap-4 sm:grid-cols-2">
        <SelectField label="Signing algorithm" id="field-clientAssertionAlg" value={draft.clientAssertionAlg} error={errors.clientAssertionAlg} onChange={(e) => onChange({ clientAssertionAlg: e.target.value as AssertionAlg })}>
          {ASSERTION_ALGS.map((alg) => (
            <option key={alg} value={alg}>
              {alg} {alg === "ES256" ? "(EC P-256 key)" : "(RSA key)"}
            </option>
          ))}
        </SelectField>
        <Field label="Key ID (kid, optional)" name="clientAssertionKid" value={draft.clientAssertionKid} onChange={(e) => onChange({ clientAssertionKid: e.target.value })} error={errors.clientAssertionKid} hint="The kid the provider knows this key by, when it holds several." autoComplete="off" />
      </div>
    </>
  );
}
