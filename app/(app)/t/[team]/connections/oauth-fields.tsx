"use client";

import Link from "next/link";
import { useState, useTransition } from "react";
import { Field, SelectField } from "@/components/form";
import { CopyField } from "@/components/copy-button";
import { buttonStyles } from "@/components/ui";
import type { OAuthDraft, ParamDraft } from "@/lib/connections/form-payload";
import type { SecretHints } from "@/lib/connections/stored";
import type { ClientChoice } from "@/lib/oauth/choices";
import { CONNECTION_TOKEN_AUTH_METHOD_LABEL, CONNECTION_TOKEN_AUTH_METHODS, isTlsClientAuth, suggestTokenAuthMethod, usesClientSecret } from "@/lib/oauth/schemas";
import { PrivateKeyJwtFields } from "./private-key-fields";
import { discoverFromEndpointAction } from "./discover-action";


type Props = {
  grant: "OAUTH2_CODE" | "OAUTH2_CLIENT_CREDENTIALS";
  teamSlug: string;
  draft: OAuthDraft;
  clients: ClientChoice[];
  canRegisterClients: boolean;
  callbackUrl: string;
  errors: Record<string, string>;
  hints: SecretHints;
  onChange: (patch: Partial<OAuthDraft>) => void;
};

export function OAuthFields({ grant, teamSlug, draft, clients, canRegisterClients, callbackUrl, errors, hints, onChange }: Props) {
  const chosen = clients.find((c) => c.id === draft.clientRef);
  const code = grant === "OAUTH2_CODE";
  const secretHint = hints.clientSecret
    ? hints.clientSecret.lastFour
      ? `Saved, ends in ${hints.clientSecret.lastFour}. Leave empty to keep it, or type a new value.`
      : "Saved. Leave empty to keep it, or type a new value."
    : "Encrypted when saved, and never shown again.";

  return (
    <div className="space-y-4">
      <SelectField
        label="OAuth client"
        id="field-oauthClientRef"
        value={draft.clientRef}
        onChange={(e) => onChange({ clientRef: e.target.value })}
        error={errors.oauthClientRef}
        hint={
          <>
            A client your team registered with the provider keeps its endpoints and secret in one place for every connection that uses it.{" "}
            {canRegisterClients ? (
              <Link href={`/t/${teamSlug}/clients/new`} className="font-medium text-brand-700 hover:underline">
                Register a client
              </Link>
            ) : (
              "A team admin registers clients."
            )}
          </>
        }
      >
        <option value="">Type in the client details below</option>
        {clients.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name} ({c.providerName}, {c.clientId})
          </option>
        ))}
      </SelectField>

      {draft.clientRef === "" ? (
        <div className="space-y-4 rounded-md border border-slate-200 p-3">
          {code ? (
            <Field label="Authorization URL" name="authorizationUrl" value={draft.authorizationUrl} onChange={(e) => onChange({ authorizationUrl: e.target.value })} error={errors.authorizationUrl} placeholder="https://provider.example.com/oauth/authorize" autoComplete="off" inputMode="url" />
          ) : null}
          <Field label="Token URL" name="tokenUrl" value={draft.tokenUrl} onChange={(e) => onChange({ tokenUrl: e.target.value })} error={errors.tokenUrl} placeholder="https://provider.example.com/oauth/token" autoComplete="off" inputMode="url" />
          <EndpointDiscovery teamSlug={teamSlug} code={code} draft={draft} onChange={onChange} />
          {code ? (
            <Field
              label="Revocation URL (optional)"
              name="revocationUrl"
              value={draft.revocationUrl}
              onChange={(e) => onChange({ revocationUrl: e.target.value })}
              error={errors.revocationUrl}
              hint="Where Disconnect revokes the tokens (RFC 7009). Without it, Disconnect only deletes them here."
              autoComplete="off"
              inputMode="url"
            />
          ) : null}
          <div className="grid gap-4 sm:grid-cols-2">
            <Field label="Client ID" name="clientId" value={draft.clientId} onChange={(e) => onChange({ clientId: e.target.value })} error={errors.clientId} autoComplete="off" />
            {usesClientSecret(draft.tokenAuthMethod) ? (
              <Field label="Client secret" name="clientSecret" type="password" value={draft.clientSecret} onChange={(e) => onChange({ clientSecret: e.target.value })} error={errors.clientSecret} hint={secretHint} autoComplete="new-password" />
            ) : null}
          </div>
          <SelectField label="Client authentication" id="field-tokenAuthMethod" value={draft.tokenAuthMethod} error={errors.tokenAuthMethod} onChange={(e) => onChange({ tokenAuthMethod: e.target.value as OAuthDraft["tokenAuthMethod"] })}>
            {CONNECTION_TOKEN_AUTH_METHODS.filter((m) => code || m !== "none").map((m) => (
              <option key={m} value={m}>
                {CONNECTION_TOKEN_AUTH_METHOD_LABEL[m]}
              </option>
            ))}
          </SelectField>
          {draft.tokenAuthMethod === "private_key_jwt" ? (
            <div className="space-y-4" data-testid="private-key-jwt">
              <PrivateKeyJwtFields draft={draft} errors={errors} keySaved={Boolean(hints.clientPrivateKeyPem)} onChange={onChange} />
            </div>
          ) : null}
          {isTlsClientAuth(draft.tokenAuthMethod) ? (
            <p className="text-sm text-slate-600" data-testid="tls-client-auth-note">
              The client authenticates with this connection&apos;s client certificate (under Options below), presented at the token endpoint as well as to the API. Register the certificate{draft.tokenAuthMethod === "tls_client_auth" ? "'s subject" : ""} with the provider.
            </p>
          ) : null}
          {code ? (
            <label className="flex items-start gap-3">
              <input type="checkbox" className="mt-1 h-4 w-4 rounded border-slate-300" checked={draft.tokenAuthMethod === "none" || draft.pkce} disabled={draft.tokenAuthMethod === "none"} onChange={(e) => onChange({ pkce: e.target.checked })} />
              <span>
                <span className="block text-sm font-medium text-slate-800">Use PKCE</span>
                <span className="block text-sm text-slate-600">Recommended, and required for public clients. Turn off only for a provider that refuses it.</span>
                {errors.pkce ? <span className="block text-sm text-red-700">{errors.pkce}</span> : null}
              </span>
            </label>
          ) : null}
          {code ? <CopyField value={callbackUrl} label="Redirect URI to register with the provider" /> : null}
        </div>
      ) : chosen ? (
        <p className="text-sm text-slate-600">
          Uses the endpoints, client ID and secret of <span className="font-medium text-slate-800">{chosen.name}</span>.{" "}
          <Link href={`/t/${teamSlug}/clients/${chosen.id}`} className="font-medium text-brand-700 hover:underline">
            View the client
          </Link>
        </p>
      ) : null}

      <Field
        label="Scopes"
        name="scopes"
        value={draft.scopes}
        onChange={(e) => onChange({ scopes: e.target.value })}
        error={errors.scopes}
        placeholder={chosen && chosen.scopes.length > 0 ? chosen.scopes.join(" ") : code ? "read write offline_access" : "read"}
        hint={chosen ? `Leave empty to use the client's default scopes${chosen.scopes.length > 0 ? ` (${chosen.scopes.join(" ")})` : ""}. Separate scopes with spaces.` : "Separate scopes with spaces."}
        autoComplete="off"
      />
      {!code ? (
        <Field label="Audience (optional)" name="audience" value={draft.audience} onChange={(e) => onChange({ audience: e.target.value })} error={errors.audience} hint="Sent as the audience parameter, for providers such as Auth0 that need one." autoComplete="off" />
      ) : null}
      <ParamList
        title={code ? "Extra authorization parameters" : "Extra token parameters"}
        hint={code ? "Added to the authorization request, after the client's own (e.g. prompt=consent)." : "Added to the token request (e.g. resource=…)."}
        params={draft.extraParams}
        errors={errors}
        onChange={(extraParams) => onChange({ extraParams })}
      />
      <ExpiredSignalFields draft={draft} errors={errors} onChange={onChange} />
    </div>
  );
}

/** What tells an expired token besides a 401: test requests and the proxy then refresh once and send the request again. */
export function ExpiredSignalFields({ draft, errors, onChange }: { draft: OAuthDraft; errors: Record<string, string>; onChange: (patch: Partial<OAuthDraft>) => void }) {
  return (
    <fieldset className="space-y-3" data-testid="expired-signal">
      <legend className="text-sm font-medium text-slate-800">When the API says the token expired</legend>
      <p className="text-xs text-slate-600">
        Keyway refreshes the token once and sends the request again when the API answers one of these statuses (and, if set, with this in the body). Most APIs answer 401; some answer 403, 400, or 200 with an error in the body.
      </p>
      <Field label="Statuses" name="expiredStatuses" value={draft.expiredStatuses} onChange={(e) => onChange({ expiredStatuses: e.target.value })} error={errors.expiredStatuses} placeholder="401" hint="Separate statuses with commas, e.g. 401, 403." autoComplete="off" inputMode="numeric" />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="JSON pointer (optional)" name="expiredJsonPointer" value={draft.expiredJsonPointer} onChange={(e) => onChange({ expiredJsonPointer: e.target.value })} error={errors.expiredJsonPointer} placeholder="/error/code" hint="Where a JSON body says why, e.g. /errors/0/extensions/code." autoComplete="off" />
        <Field label="Value there (optional)" name="expiredJsonValue" value={draft.expiredJsonValue} onChange={(e) => onChange({ expiredJsonValue: e.target.value })} error={errors.expiredJsonValue} placeholder="UNAUTHENTICATED" hint="Empty: any value at the pointer." autoComplete="off" />
      </div>
      <Field label="Body contains (optional)" name="expiredBodyContains" value={draft.expiredBodyContains} onChange={(e) => onChange({ expiredBodyContains: e.target.value })} error={errors.expiredBodyContains} placeholder="INVALID_SESSION_ID" hint="Plain text, matched exactly, in the first 64 KB of the body." autoComplete="off" />
    </fieldset>
  );
}

export function ParamList({ title, hint, params, errors, onChange, errorPrefix = "extraParams" }: { title: string; hint: string; params: ParamDraft[]; errors: Record<string, string>; onChange: (params: ParamDraft[]) => void; errorPrefix?: string }) {
  const change = (index: number, patch: Partial<ParamDraft>) => onChange(params.map((p, i) => (i === index ? { ...p, ...patch } : p)));
  return (
    <fieldset className="space-y-3">
      <legend className="text-sm font-medium text-slate-800">{title}</legend>
      <p className="text-xs text-slate-600">{hint}</p>
      {errors[errorPrefix] ? <p className="text-sm text-red-700">{errors[errorPrefix]}</p> : null}
      {params.map((param, index) => (
        <div key={index} className="grid gap-3 rounded-md border border-slate-200 p-3 sm:grid-cols-[1fr_1.4fr_auto] sm:items-start">
          <Field id={`${errorPrefix}-${index}-name`} label="Parameter name" name={`${errorPrefix}-${index}-name`} value={param.name} onChange={(e) => change(index, { name: e.target.value })} error={errors[`${errorPrefix}.${index}.name`]} autoComplete="off" />
          <Field id={`${errorPrefix}-${index}-value`} label="Value" name={`${errorPrefix}-${index}-value`} value={param.value} onChange={(e) => change(index, { value: e.target.value })} error={errors[`${errorPrefix}.${index}.value`]} autoComplete="off" />
          <div className="sm:pt-7">
            <button type="button" className={buttonStyles.ghost} aria-label={`Remove parameter ${index + 1}`} onClick={() => onChange(params.filter((_, i) => i !== index))}>
              Remove
            </button>
          </div>
        </div>
      ))}
      <button type="button" className={buttonStyles.secondary} onClick={() => onChange([...params, { name: "", value: "" }])}>
        Add parameter
      </button>
    </fieldset>
  );
}

/** Fills in a typed-in client's other endpoints and authentication method from the discovery document of the URL's issuer, where there is one. */
function EndpointDiscovery({ teamSlug, code, draft, onChange }: { teamSlug: string; code: boolean; draft: OAuthDraft; onChange: (patch: Partial<OAuthDraft>) => void }) {
  const [pending, start] = useTransition();
  const [result, setResult] = useState<{ note?: string; error?: string }>({});
  const endpoint = draft.tokenUrl.trim() || (code ? draft.authorizationUrl.trim() : "");
  const discover = () =>
    start(async () => {
      const answer = await discoverFromEndpointAction(teamSlug, endpoint);
      if ("error" in answer) {
        setResult({ error: answer.error });
        return;
      }
      const { found } = answer;
      const methods = found.tokenAuthMethods;
      const method = suggestTokenAuthMethod(draft.tokenAuthMethod, methods);
      onChange({
        tokenUrl: found.tokenUrl,
        ...(code ? { authorizationUrl: found.authorizationUrl ?? draft.authorizationUrl, revocationUrl: found.revocationUrl ?? draft.revocationUrl } : {}),
        tokenAuthMethod: method as OAuthDraft["tokenAuthMethod"],
      });
      const methodNote = methods.length > 0 ? ` Client authentication: ${method === draft.tokenAuthMethod ? "kept" : "set to"} ${CONNECTION_TOKEN_AUTH_METHOD_LABEL[method as OAuthDraft["tokenAuthMethod"]] ?? method} (the provider accepts ${methods.join(", ")}).` : "";
      setResult({ note: `Read the discovery document of ${found.issuer}.${methodNote}` });
    });
  return (
    <div className="text-sm">
      <button type="button" className={buttonStyles.secondary} disabled={pending || endpoint === ""} onClick={discover}>
        {pending ? "Reading the discovery document…" : "Fill in the rest from the provider's discovery document"}
      </button>
      <p aria-live="polite" className={result.error ? "mt-1 text-red-700" : "mt-1 text-slate-600"} data-testid="endpoint-discovery">
        {result.error ?? result.note ?? ""}
      </p>
    </div>
  );
}
