"use client";

import { useState, useTransition } from "react";
import { describedByOf, DraftForm, Field, FieldFrame } from "@/components/form";
import { CopyField } from "@/components/copy-button";
import { Alert, buttonStyles, cx, FormSection, inputStyles } from "@/components/ui";
import type { FormState } from "@/lib/forms";
import { applyTemplate, parseClientDraft, type ClientDraft } from "@/lib/oauth/client-draft";
import { PROVIDER_IDS, PROVIDERS, providerTemplate } from "@/lib/oauth/providers";
import { CLIENT_AUTH_METHOD_CHOICES, CONNECTION_TOKEN_AUTH_METHOD_LABEL, isTlsClientAuth, scopesFromText, suggestTokenAuthMethod, usesClientSecret } from "@/lib/oauth/schemas";
import { ParamList } from "../connections/oauth-fields";
import { PrivateKeyJwtFields } from "../connections/private-key-fields";
import { discoverAction } from "./actions";
import { PublicKeyPanel } from "./public-key";

type Props = {
  teamSlug: string;
  initial: ClientDraft;
  callbackUrl: string;
  /** Editing: whether a secret is saved, its last four characters, the redirect URI registered when it was saved, and a saved private key's public half. */
  saved?: { hasSecret: boolean; secretLastFour: string | null; redirectUri: string; hasPrivateKey?: boolean; publicJwk?: object | null; keyThumbprint?: string | null };
  action: (previous: FormState, data: FormData) => Promise<FormState>;
  cancelHref: string;
  submitLabel: string;
};

const SOURCES = [...PROVIDER_IDS.map((id) => ({ id: id as string, label: PROVIDERS[id].name })), { id: "oidc", label: "OpenID Connect issuer" }, { id: "custom", label: "By hand" }];

export function ClientForm({ teamSlug, initial, callbackUrl, saved, action, cancelHref, submitLabel }: Props) {
  const [draft, setDraft] = useState<ClientDraft>(initial);
  const [discovering, startDiscovery] = useTransition();
  const [discovery, setDiscovery] = useState<{ error?: string; note?: string }>({});
  const update = (patch: Partial<ClientDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const template = providerTemplate(draft.provider);
  const redirectChanged = saved && saved.redirectUri !== callbackUrl;

  const chooseSource = (id: string) => {
    const chosen = providerTemplate(id);
    if (chosen) setDraft((d) => applyTemplate(d, chosen));
    else setDraft((d) => ({ ...d, provider: id, ...(providerTemplate(d.provider) ? { issuer: "", parUrl: "", extraAuthParams: [], placeholders: {} } : {}) }));
    setDiscovery({});
  };

  const discover = () =>
    startDiscovery(async () => {
      const result = await discoverAction(teamSlug, draft.issuer);
      if (!result.endpoints) {
        setDiscovery({ error: result.error ?? "The discovery document could not be read." });
        return;
      }
      const found = result.endpoints;
      const methods = found.tokenAuthMethods;
      setDraft((d) => ({
        ...d,
        issuer: found.issuer,
        authorizationUrl: found.authorizationUrl ?? d.authorizationUrl,
        tokenUrl: found.tokenUrl,
        revocationUrl: found.revocationUrl ?? "",
        parUrl: found.parUrl ?? "",
        tokenAuthMethod: suggestTokenAuthMethod(d.tokenAuthMethod, methods),
        name: d.name.trim() === "" ? new URL(found.issuer).host : d.name,
      }));
      const extras = [found.revocationUrl ? "revocation" : null, found.parUrl ? "pushed authorization requests" : null, found.issParameter ? "issuer identification (RFC 9207)" : null].filter(Boolean);
      const suggested = suggestTokenAuthMethod(draft.tokenAuthMethod, methods);
      const methodNote = methods.length > 0 ? ` Client authentication: ${suggested === draft.tokenAuthMethod ? "kept" : "set to"} ${CONNECTION_TOKEN_AUTH_METHOD_LABEL[suggested]} (the provider accepts ${methods.join(", ")}).` : "";
      setDiscovery({ note: `Read the discovery document of ${found.issuer}.${extras.length > 0 ? ` It also offers ${extras.join(", ")}.` : ""}${methodNote}` });
    });

  const addScope = (scope: string) => {
    const current = scopesFromText(draft.scopes);
    if (!current.includes(scope)) update({ scopes: [...current, scope].join(" ") });
  };

  const setPlaceholder = (name: string, value: string) => {
    if (!template) return;
    setDraft((d) => applyTemplate({ ...d }, template, { ...d.placeholders, [name]: value }));
  };

  return (
    <DraftForm draft={draft} parse={parseClientDraft} action={action} submitLabel={submitLabel} cancelHref={cancelHref}>
      {(errors) => (
        <>
          <FormSection title="Provider">
            <fieldset>
              <legend className="text-sm font-medium text-slate-800">Start from</legend>
              <div className="mt-2 grid grid-cols-2 gap-2 sm:grid-cols-5">
                {SOURCES.map((source) => (
                  <label
                    key={source.id}
                    className={cx(
                      "flex cursor-pointer items-center justify-center rounded-md border px-3 py-2 text-center text-sm font-medium has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-brand-500",
                      draft.provider === source.id ? "border-brand-600 bg-brand-50 text-brand-800" : "border-slate-300 bg-white text-slate-700 hover:bg-slate-50",
                    )}
                  >
                    <input type="radio" name="source" value={source.id} checked={draft.provider === source.id} onChange={() => chooseSource(source.id)} className="sr-only" />
                    {source.label}
                  </label>
                ))}
              </div>
              <p className="mt-2 text-sm text-slate-600">
                {template
                  ? `The ${template.name} endpoints and recommended settings are filled in below. ${template.refreshTokens}`
                  : draft.provider === "oidc"
                    ? "Enter the provider's issuer URL: Keyway reads its endpoints from the discovery document."
                    : "Type the provider's endpoints as its documentation gives them."}
              </p>
            </fieldset>

            {template?.urlPlaceholders?.map((placeholder) => (
              <Field key={placeholder.name} label={placeholder.label} name={`placeholder-${placeholder.name}`} value={draft.placeholders[placeholder.name] ?? placeholder.default} onChange={(e) => setPlaceholder(placeholder.name, e.target.value)} hint={placeholder.help} autoComplete="off" />
            ))}

            {draft.provider === "oidc" ? (
              <div className="space-y-2">
                <div className="flex flex-col gap-2 sm:flex-row sm:items-end">
                  <div className="flex-1">
                    <Field label="Issuer URL" name="issuer" value={draft.issuer} onChange={(e) => update({ issuer: e.target.value })} error={errors.issuer ?? discovery.error} placeholder="https://login.example.com" autoComplete="off" inputMode="url" />
                  </div>
                  <button type="button" className={cx(buttonStyles.secondary, "sm:mb-0.5")} onClick={discover} disabled={discovering || draft.issuer.trim() === ""}>
                    {discovering ? "Reading…" : "Read discovery document"}
                  </button>
                </div>
                {discovery.note ? <Alert tone="green">{discovery.note}</Alert> : null}
              </div>
            ) : null}
          </FormSection>

          <FormSection title="Client">
            <Field label="Name" name="name" value={draft.name} onChange={(e) => update({ name: e.target.value })} error={errors.name} placeholder="Google (directory sync)" autoComplete="off" />
            <ClientAuthFields draft={draft} errors={errors} saved={saved} update={update} />
            <div className="grid gap-4 sm:grid-cols-2">
              <Field label={template && template.clientIdLabel !== "Client ID" ? `Client ID (${template.clientIdLabel})` : "Client ID"} name="clientId" value={draft.clientId} onChange={(e) => update({ clientId: e.target.value })} error={errors.clientId} autoComplete="off" />
              {usesClientSecret(draft.tokenAuthMethod) ? (
                <Field
                  label={template && template.clientSecretLabel.toLowerCase() !== "client secret" ? `Client secret (${template.clientSecretLabel})` : "Client secret"}
                  name="clientSecret"
                  type="password"
                  value={draft.clientSecret}
                  onChange={(e) => update({ clientSecret: e.target.value })}
                  error={errors.clientSecret}
                  hint={saved?.hasSecret ? `Saved${saved.secretLastFour ? `, ends in ${saved.secretLastFour}` : ""}. Leave empty to keep it, or type a new value.` : "Encrypted when saved, and never shown again."}
                  autoComplete="new-password"
                />
              ) : null}
            </div>
            <div className="rounded-md border border-slate-200 bg-slate-50 p-3">
              <CopyField value={callbackUrl} label="Redirect URI to register" />
              <p className="mt-2 text-xs text-slate-600">
                {template ? `In the ${template.name} console, paste it under “${template.redirectUriLabel}”. ` : "Register it with the provider exactly as shown: same scheme, host, port and path, no trailing slash. "}
                {template ? (
                  <a href={template.consoleUrl} target="_blank" rel="noreferrer" className="font-medium text-brand-700 hover:underline">
                    Open the {template.name} console
                  </a>
                ) : null}
                {/* Two links side by side read as one without something between them. */}
                {template ? " · " : null}
                <a href={`/guide/register-client${template ? `#${template.id}` : ""}`} target="_blank" rel="noreferrer" className="font-medium text-brand-700 hover:underline">
                  Step-by-step guide
                </a>
              </p>
            </div>
            {redirectChanged ? (
              <Alert tone="amber" title="This instance's callback URL changed">
                <p>
                  The client was registered with <span className="break-all font-mono">{saved.redirectUri}</span>. Register <span className="break-all font-mono">{callbackUrl}</span> with the provider, then confirm here.
                </p>
                <label className="mt-2 flex items-center gap-2">
                  <input type="checkbox" name="redirectUriConfirmed" value="yes" className="h-4 w-4 rounded border-slate-300" />I registered the new callback URL with the provider
                </label>
              </Alert>
            ) : null}
          </FormSection>

          <FormSection title="Endpoints">
            <Field label="Authorization URL" name="authorizationUrl" value={draft.authorizationUrl} onChange={(e) => update({ authorizationUrl: e.target.value })} error={errors.authorizationUrl} autoComplete="off" inputMode="url" />
            <Field label="Token URL" name="tokenUrl" value={draft.tokenUrl} onChange={(e) => update({ tokenUrl: e.target.value })} error={errors.tokenUrl} autoComplete="off" inputMode="url" />
            <Field
              label="Revocation URL (optional)"
              name="revocationUrl"
              value={draft.revocationUrl}
              onChange={(e) => update({ revocationUrl: e.target.value })}
              error={errors.revocationUrl}
              hint="Where Disconnect revokes tokens (RFC 7009). Leave empty if the provider has no such endpoint."
              autoComplete="off"
              inputMode="url"
            />
            {draft.parUrl ? <p className="text-xs text-slate-600">Authorization requests are pushed to {draft.parUrl} first (RFC 9126), so the provider&apos;s refusals show up in Keyway.</p> : null}
          </FormSection>

          <FormSection title="Requests">
            <div>
              <Field
                label="Default scopes"
                name="scopes"
                value={draft.scopes}
                onChange={(e) => update({ scopes: e.target.value })}
                error={errors.scopes}
                hint={`Separate with spaces. Connections use these unless they name their own.${template?.scopeSeparator === "," ? ` ${template.name} receives them comma-separated; Keyway joins them for you.` : ""}`}
                autoComplete="off"
              />
              {template && template.scopeExamples.length > 0 ? (
                <div className="mt-2">
                  <p className="text-xs font-medium text-slate-700">Common scopes</p>
                  <ul className="mt-1 flex flex-wrap gap-1.5">
                    {template.scopeExamples.map((example) => (
                      <li key={example.scope}>
                        <button type="button" title={example.description} className="max-w-full break-all rounded-full border border-slate-300 bg-white px-2 py-0.5 text-left font-mono text-xs text-slate-700 hover:bg-slate-50 disabled:opacity-50" disabled={scopesFromText(draft.scopes).includes(example.scope)} onClick={() => addScope(example.scope)}>
                          + {example.scope}
                        </button>
                      </li>
                    ))}
                  </ul>
                </div>
              ) : null}
            </div>
            <div>
              <label className="flex items-start gap-3">
                <input type="checkbox" className="mt-1 h-4 w-4 rounded border-slate-300" checked={draft.pkce || draft.tokenAuthMethod === "none"} disabled={draft.tokenAuthMethod === "none"} onChange={(e) => update({ pkce: e.target.checked })} />
                <span>
                  <span className="block text-sm font-medium text-slate-800">Use PKCE</span>
                  <span className="block text-xs text-slate-600">On by default; required for public clients.</span>
                  {errors.pkce ? <span className="block text-sm text-red-700">{errors.pkce}</span> : null}
                </span>
              </label>
            </div>
            <ParamList title="Extra authorization parameters" hint="Added to every authorization request with this client, e.g. access_type=offline." params={draft.extraAuthParams} errors={errors} errorPrefix="extraAuthParams" onChange={(extraAuthParams) => update({ extraAuthParams })} />
            <FieldFrame id="field-notes" label="Notes (optional)" error={errors.notes}>
              <textarea
                id="field-notes"
                rows={3}
                className={inputStyles}
                value={draft.notes}
                onChange={(e) => update({ notes: e.target.value })}
                aria-invalid={errors.notes ? true : undefined}
                aria-describedby={describedByOf("field-notes", undefined, errors.notes)}
                placeholder="Which project it lives in, who owns it at the provider…"
              />
            </FieldFrame>
          </FormSection>
        </>
      )}
    </DraftForm>
  );
}

/** How the client authenticates at the token endpoint, and the fields of the chosen method only (the secret field sits beside the client ID). */
function ClientAuthFields({ draft, errors, saved, update }: { draft: ClientDraft; errors: Record<string, string>; saved: Props["saved"]; update: (patch: Partial<ClientDraft>) => void }) {
  const method = draft.tokenAuthMethod;
  return (
    <div className="space-y-4">
      <fieldset aria-describedby={errors.tokenAuthMethod ? "field-tokenAuthMethod-error" : undefined}>
        <legend className="text-sm font-medium text-slate-800">Client authentication</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {CLIENT_AUTH_METHOD_CHOICES.map((choice) => (
            <label
              key={choice.method}
              className={cx(
                "flex cursor-pointer items-start gap-2 rounded-md border p-2 has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-brand-500",
                method === choice.method ? "border-brand-600 bg-brand-50" : "border-slate-300 bg-white hover:bg-slate-50",
              )}
            >
              <input
                type="radio"
                name="tokenAuthMethod"
                value={choice.method}
                checked={method === choice.method}
                onChange={() => update({ tokenAuthMethod: choice.method, ...(choice.method === "none" ? { pkce: true } : {}) })}
                className="mt-1 h-4 w-4 border-slate-300"
              />
              <span>
                <span className="block text-sm font-medium text-slate-800">{choice.label}</span>
                <span className="block text-xs text-slate-600">{choice.description}</span>
              </span>
            </label>
          ))}
        </div>
        {errors.tokenAuthMethod ? (
          <p id="field-tokenAuthMethod-error" className="mt-1 text-sm text-red-700">
            {errors.tokenAuthMethod}
          </p>
        ) : null}
      </fieldset>
      {method === "private_key_jwt" ? (
        <div className="space-y-4" data-testid="private-key-jwt">
          <PrivateKeyJwtFields draft={draft} errors={errors} keySaved={Boolean(saved?.hasPrivateKey)} onChange={update} />
          {saved?.publicJwk && draft.clientPrivateKeyPem === "" ? <PublicKeyPanel publicJwk={saved.publicJwk} thumbprint={saved.keyThumbprint ?? null} /> : null}
        </div>
      ) : null}
      {isTlsClientAuth(method) ? (
        <p className="text-sm text-slate-600" data-testid="tls-client-auth-note">
          Each connection that uses this client presents its own client certificate at the token endpoint (under its Options, “Use client SSL certificate”), the same certificate it shows the API, so certificate-bound tokens (RFC 8705) keep working.{" "}
          {method === "tls_client_auth"
            ? "Register the certificates' subject (DN) with the provider for this client."
            : "Register each certificate with the provider for this client (its JWKS or fingerprint)."}{" "}
          The client page lists each connection&apos;s certificate fingerprint.
        </p>
      ) : null}
    </div>
  );
}
