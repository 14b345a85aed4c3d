"use client";

import { CopyField } from "@/components/copy-button";
import { Field, SelectField } from "@/components/form";
import { inputStyles, cx } from "@/components/ui";
import type { AwsDraft, ConnectionDraft, OAuth1Draft } from "@/lib/connections/form-payload";
import { OAUTH1_SIGNATURE_METHODS, type OAuth1TokenSource } from "@/lib/connections/signed-auth-schemas";
import type { SecretHints } from "@/lib/connections/stored";

// The fields of the Bearer token, AWS Signature V4 and OAuth 1.0a types
// (Digest uses the Basic username and password fields). Every secret field is
// write-only: empty on edit, with a hint that a value is saved.

type Common = { errors: Record<string, string>; hints: SecretHints };

export function savedSecretHint(hint: SecretHints[string] | undefined, otherwise = "Encrypted when saved, and never shown again."): string {
  if (!hint) return otherwise;
  return hint.lastFour ? `Saved, ends in ${hint.lastFour}. Leave empty to keep it, or type a new value.` : "Saved. Leave empty to keep it, or type a new value.";
}

export function BearerFields({ draft, errors, hints, onChange }: Common & { draft: ConnectionDraft; onChange: (patch: Partial<ConnectionDraft>) => void }) {
  return (
    <Field
      label="Token"
      name="bearerToken"
      id="field-token"
      type="password"
      value={draft.bearerToken}
      onChange={(e) => onChange({ bearerToken: e.target.value })}
      error={errors.token}
      hint={savedSecretHint(hints.token, "Sent as Authorization: Bearer <token>. Encrypted when saved, and never shown again.")}
      autoComplete="new-password"
    />
  );
}

export function AwsFields({ draft, errors, hints, onChange }: Common & { draft: AwsDraft; onChange: (patch: Partial<AwsDraft>) => void }) {
  return (
    <div className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Access key ID" name="accessKeyId" value={draft.accessKeyId} onChange={(e) => onChange({ accessKeyId: e.target.value })} error={errors.accessKeyId} placeholder="AKIAIOSFODNN7EXAMPLE" autoComplete="off" />
        <Field
          label="Secret access key"
          name="secretAccessKey"
          type="password"
          value={draft.secretAccessKey}
          onChange={(e) => onChange({ secretAccessKey: e.target.value })}
          error={errors.secretAccessKey}
          hint={savedSecretHint(hints.secretAccessKey)}
          autoComplete="new-password"
        />
        <Field label="Region" name="region" value={draft.region} onChange={(e) => onChange({ region: e.target.value })} error={errors.region} placeholder="us-east-1" autoComplete="off" />
        <Field
          label="Service"
          name="service"
          value={draft.service}
          onChange={(e) => onChange({ service: e.target.value })}
          error={errors.service}
          placeholder="execute-api"
          hint="The signing name of the service: execute-api for API Gateway, s3, es, lambda…"
          autoComplete="off"
        />
      </div>
      <label className="flex items-start gap-3">
        <input type="checkbox" className="mt-1 h-4 w-4 rounded border-slate-300" checked={draft.useSessionToken} onChange={(e) => onChange({ useSessionToken: e.target.checked })} />
        <span>
          <span className="block text-sm font-medium text-slate-800">Temporary credentials</span>
          <span className="block text-sm text-slate-600">Credentials from AWS STS come with a session token, sent as X-Amz-Security-Token.</span>
        </span>
      </label>
      {draft.useSessionToken ? (
        <Field
          label="Session token"
          name="sessionToken"
          type="password"
          value={draft.sessionToken}
          onChange={(e) => onChange({ sessionToken: e.target.value })}
          error={errors.sessionToken}
          hint={savedSecretHint(hints.sessionToken)}
          autoComplete="new-password"
        />
      ) : null}
      <SelectField
        label="Bodies sent through the proxy"
        id="field-proxyPayload"
        value={draft.proxyPayload}
        onChange={(e) => onChange({ proxyPayload: e.target.value as AwsDraft["proxyPayload"] })}
        error={errors.proxyPayload}
        hint="Test requests always sign the body's hash. Through the proxy, UNSIGNED-PAYLOAD streams bodies of any size (S3 and API Gateway accept it); signing the hash makes Keyway read each body first (up to 10 MB)."
      >
        <option value="unsigned">Stream (UNSIGNED-PAYLOAD)</option>
        <option value="signed">Read first, sign the hash</option>
      </SelectField>
    </div>
  );
}

const TOKEN_SOURCE_LABEL: Record<OAuth1TokenSource, string> = {
  none: "None: two-legged, the consumer alone signs",
  pasted: "An access token I paste",
  connect: "Connect: sign in at the provider (three-legged)",
};

export function OAuth1Fields({ draft, errors, hints, callbackUrl, onChange }: Common & { draft: OAuth1Draft; callbackUrl: string; onChange: (patch: Partial<OAuth1Draft>) => void }) {
  const rsa = draft.signatureMethod === "RSA-SHA1";
  return (
    <div className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Consumer key" name="consumerKey" value={draft.consumerKey} onChange={(e) => onChange({ consumerKey: e.target.value })} error={errors.consumerKey} autoComplete="off" />
        <SelectField label="Signature method" id="field-signatureMethod" value={draft.signatureMethod} onChange={(e) => onChange({ signatureMethod: e.target.value as OAuth1Draft["signatureMethod"] })} error={errors.signatureMethod}>
          {OAUTH1_SIGNATURE_METHODS.map((method) => (
            <option key={method} value={method}>
              {method}
            </option>
          ))}
        </SelectField>
      </div>
      {rsa ? (
        <div>
          <label htmlFor="field-privateKeyPem" className="block text-sm font-medium text-slate-800">
            Consumer private key (PEM)
          </label>
          <textarea
            id="field-privateKeyPem"
            value={draft.privateKeyPem}
            onChange={(e) => onChange({ privateKeyPem: e.target.value })}
            rows={5}
            spellCheck={false}
            aria-invalid={errors.privateKeyPem ? true : undefined}
            aria-describedby="field-privateKeyPem-hint"
            className={cx(inputStyles, "mt-1 font-mono text-xs")}
            placeholder="-----BEGIN PRIVATE KEY-----"
          />
          <p id="field-privateKeyPem-hint" className="mt-1 text-xs text-slate-600">
            {savedSecretHint(hints.privateKeyPem, "The provider holds the matching public key. Encrypted when saved, and never shown again.")}
          </p>
          {errors.privateKeyPem ? <p className="mt-1 text-sm text-red-700">{errors.privateKeyPem}</p> : null}
        </div>
      ) : (
        <Field
          label="Consumer secret"
          name="consumerSecret"
          type="password"
          value={draft.consumerSecret}
          onChange={(e) => onChange({ consumerSecret: e.target.value })}
          error={errors.consumerSecret}
          hint={savedSecretHint(hints.consumerSecret)}
          autoComplete="new-password"
        />
      )}
      <SelectField
        label="Access token"
        id="field-tokenSource"
        value={draft.tokenSource}
        onChange={(e) => onChange({ tokenSource: e.target.value as OAuth1TokenSource })}
        error={errors.tokenSource}
        hint={
          draft.tokenSource === "connect"
            ? "After saving, Connect sends you to the provider to approve access; Keyway keeps the access token and its secret, encrypted."
            : draft.tokenSource === "pasted"
              ? "A token the provider issued elsewhere, with its secret."
              : "Jira Server application links and many older APIs sign with the consumer key alone."
        }
      >
        {(Object.keys(TOKEN_SOURCE_LABEL) as OAuth1TokenSource[]).map((source) => (
          <option key={source} value={source}>
            {TOKEN_SOURCE_LABEL[source]}
          </option>
        ))}
      </SelectField>
      {draft.tokenSource === "connect" ? (
        <div className="space-y-4 rounded-md border border-slate-200 p-4">
          <Field
            label="Temporary credentials URL (request token)"
            name="requestTokenUrl"
            value={draft.requestTokenUrl}
            onChange={(e) => onChange({ requestTokenUrl: e.target.value })}
            error={errors.requestTokenUrl}
            placeholder="https://api.example.com/oauth/request_token"
            autoComplete="off"
          />
          <Field
            label="Authorization URL"
            name="authorizeUrl"
            value={draft.authorizeUrl}
            onChange={(e) => onChange({ authorizeUrl: e.target.value })}
            error={errors.authorizeUrl}
            placeholder="https://api.example.com/oauth/authorize"
            hint="Where the browser goes to approve access; Keyway adds oauth_token."
            autoComplete="off"
          />
          <Field
            label="Token URL (access token)"
            name="accessTokenUrl"
            value={draft.accessTokenUrl}
            onChange={(e) => onChange({ accessTokenUrl: e.target.value })}
            error={errors.accessTokenUrl}
            placeholder="https://api.example.com/oauth/access_token"
            autoComplete="off"
          />
          <CopyField value={callbackUrl} label="Callback URL to register with the provider" />
        </div>
      ) : null}
      <div className="grid gap-4 sm:grid-cols-2">
        {draft.tokenSource === "pasted" ? (
          <Field
            label="Access token"
            name="oauth1Token"
            id="field-oauth1-token"
            value={draft.token}
            onChange={(e) => onChange({ token: e.target.value })}
            error={errors.token}
            autoComplete="off"
          />
        ) : null}
        {draft.tokenSource === "pasted" ? (
          <Field
            label="Token secret"
            name="tokenSecret"
            type="password"
            value={draft.tokenSecret}
            onChange={(e) => onChange({ tokenSecret: e.target.value })}
            error={errors.tokenSecret}
            hint={savedSecretHint(hints.tokenSecret)}
            autoComplete="new-password"
          />
        ) : null}
      </div>
      <Field label="Realm (optional)" name="realm" value={draft.realm} onChange={(e) => onChange({ realm: e.target.value })} error={errors.realm} hint="Sent as realm= in the Authorization header, where the provider asks for one." autoComplete="off" />
    </div>
  );
}
