"use client";

import { Field, SelectField } from "@/components/form";
import type { JwtDraft, OAuthDraft } from "@/lib/connections/form-payload";
import type { SecretHints } from "@/lib/connections/stored";
import { ASSERTION_ALGS } from "@/lib/oauth/schemas";
import { ExpiredSignalFields } from "./oauth-fields";
import { PemField } from "./pem-field";

type Props = {
  google: boolean;
  jwt: JwtDraft;
  oauth: OAuthDraft;
  errors: Record<string, string>;
  hints: SecretHints;
  onJwt: (patch: Partial<JwtDraft>) => void;
  onOAuth: (patch: Partial<OAuthDraft>) => void;
};

/** The service account types: a Google JSON key, or a generic RFC 7523 assertion's settings; scopes and the expired-token rule as for the other OAuth2 types. */
export function JwtBearerFields({ google, jwt, oauth, errors, hints, onJwt, onOAuth }: Props) {
  return (
    <div className="space-y-4" data-testid="jwt-bearer-fields">
      {google ? (
        <>
          <PemField
            label="Service account key (JSON)"
            name="serviceAccountKey"
            value={jwt.serviceAccountKey}
            error={errors.serviceAccountKey}
            onChange={(serviceAccountKey) => onJwt({ serviceAccountKey })}
            accept=".json,application/json"
            placeholder='{ "type": "service_account", "client_email": "…", "private_key": "…", … }'
            hint={
              hints.serviceAccountKey
                ? `Saved: the key of ${jwt.savedKey || "the service account"}. Leave empty to keep it, or paste a new key file.`
                : "Paste or upload the JSON key file (IAM & Admin → Service accounts → Keys → Add key → JSON). Encrypted when saved, and never shown again."
            }
          />
          <Field
            label="Impersonate user (subject, optional)"
            name="subject"
            value={jwt.subject}
            onChange={(e) => onJwt({ subject: e.target.value })}
            error={errors.subject}
            placeholder="admin@example.com"
            hint="With domain-wide delegation, the Workspace user the service account acts as (needed for the Admin SDK). Leave empty to act as the service account itself."
            autoComplete="off"
          />
        </>
      ) : (
        <>
          <Field label="Token URL" name="tokenUrl" value={jwt.tokenUrl} onChange={(e) => onJwt({ tokenUrl: e.target.value })} error={errors.tokenUrl} placeholder="https://auth.example.com/oauth2/token" autoComplete="off" inputMode="url" />
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Issuer (iss)" name="issuer" value={jwt.issuer} onChange={(e) => onJwt({ issuer: e.target.value })} error={errors.issuer} hint="Who signs the assertion, as the server knows it: usually the service account's or client's ID." autoComplete="off" />
            <Field label="Subject (sub, optional)" name="subject" value={jwt.subject} onChange={(e) => onJwt({ subject: e.target.value })} error={errors.subject} hint="Whom the token is for. Empty: the issuer." autoComplete="off" />
            <Field label="Audience (aud, optional)" name="audience" value={jwt.audience} onChange={(e) => onJwt({ audience: e.target.value })} error={errors.audience} hint="Empty: the token URL." autoComplete="off" />
            <Field label="Client ID (optional)" name="clientId" value={jwt.clientId} onChange={(e) => onJwt({ clientId: e.target.value })} error={errors.clientId} hint="Sent as client_id, for servers that want the client named." autoComplete="off" />
          </div>
          <PemField
            label="Private key (PEM)"
            name="assertionKeyPem"
            value={jwt.assertionKeyPem}
            error={errors.assertionKeyPem}
            onChange={(assertionKeyPem) => onJwt({ assertionKeyPem })}
            hint={
              hints.assertionKeyPem
                ? "Saved. Leave empty to keep it, or paste a new key."
                : "Keyway signs each assertion with it (RFC 7523). Encrypted when saved, and never shown again; register its public key with the server."
            }
          />
          <div className="grid gap-4 sm:grid-cols-2">
            <SelectField label="Signing algorithm" id="field-assertionAlg" value={jwt.assertionAlg} error={errors.assertionAlg} onChange={(e) => onJwt({ assertionAlg: e.target.value as JwtDraft["assertionAlg"] })}>
              {ASSERTION_ALGS.map((alg) => (
                <option key={alg} value={alg}>
                  {alg} {alg === "ES256" ? "(EC P-256 key)" : "(RSA key)"}
                </option>
              ))}
            </SelectField>
            <Field label="Key ID (kid, optional)" name="assertionKid" value={jwt.assertionKid} onChange={(e) => onJwt({ assertionKid: e.target.value })} error={errors.assertionKid} hint="The kid the server knows this key by." autoComplete="off" />
          </div>
        </>
      )}
      <Field
        label="Scopes"
        name="scopes"
        value={oauth.scopes}
        onChange={(e) => onOAuth({ scopes: e.target.value })}
        error={errors.scopes}
        placeholder={google ? "https://www.googleapis.com/auth/admin.directory.user.readonly" : "read"}
        hint={google ? "Full scope URLs, separated by spaces; Keyway puts them in the signed assertion, as Google asks." : "Separate scopes with spaces; sent as the token request's scope parameter."}
        autoComplete="off"
      />
      <ExpiredSignalFields draft={oauth} errors={errors} onChange={onOAuth} />
    </div>
  );
}
