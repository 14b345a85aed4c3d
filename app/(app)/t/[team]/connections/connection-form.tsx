"use client";

import Link from "next/link";
import { useState, type ChangeEvent } from "react";
import { DraftForm, Field, SelectField } from "@/components/form";
import { isOAuthType } from "@/lib/connections/schemas";
import { buttonStyles, cx, FormSection, inputStyles } from "@/components/ui";
import type { FormState } from "@/lib/forms";
import { parseDraft, type ConnectionDraft, type EntryDraft } from "@/lib/connections/form-payload";
import { AUTH_TYPE_LABEL, AUTH_TYPES, type AuthType } from "@/lib/connections/schemas";
import type { SecretHints } from "@/lib/connections/stored";
import type { ClientChoice } from "@/lib/oauth/choices";
import type { AgentOption } from "./agent-presence";
import { OAuthFields } from "./oauth-fields";
import { AwsFields, BearerFields, OAuth1Fields } from "./signed-auth-fields";

const AUTH_TYPE_HELP: Record<AuthType, string> = {
  NONE: "Sends no credentials. The connection gets a webhook URL that receives what apps POST to it.",
  BASIC: "Sends Authorization: Basic with a username and password (or an API key in place of the password).",
  BEARER: "Sends Authorization: Bearer with a token you paste, such as a personal access token.",
  HEADER: "Sends one or more headers, such as X-API-Key or Authorization: Bearer.",
  QUERY: "Adds one or more parameters, such as ?api_key=, to every URL.",
  CUSTOM: "Any combination of headers, query parameters and Basic credentials.",
  DIGEST: "HTTP Digest (RFC 7616): Keyway answers the API's challenge with a hash of the password (MD5, SHA-256 or their -sess variants); the password itself is never sent.",
  AWS_SIGV4: "Signs every request with AWS Signature Version 4: for AWS APIs, API Gateway and services that copy its scheme.",
  OAUTH1: "Signs every request with OAuth 1.0a (RFC 5849): a consumer key and secret, and an access token and its secret where the API issues them.",
  OAUTH2_CODE: "A user connects once at the provider; Keyway keeps the tokens, sends Authorization: Bearer and refreshes the token before it expires.",
  OAUTH2_CLIENT_CREDENTIALS: "Keyway gets a token with the client's own credentials (no user involved), sends Authorization: Bearer, and gets a new one before it expires.",
};

type SavedCertificate = { subject: string | null; expiresAt: string | null } | null;

type Props = {
  teamSlug: string;
  oauthClients: ClientChoice[];
  /** Admins and owners register clients; a member only chooses one. */
  canRegisterClients: boolean;
  callbackUrl: string;
  initial: ConnectionDraft;
  hints: SecretHints;
  savedCertificate: SavedCertificate;
  /** The team's agents a private-network connection may go through (and the saved one, even if revoked). */
  agents: AgentOption[];
  action: (previous: FormState, data: FormData) => Promise<FormState>;
  cancelHref: string;
  submitLabel: string;
};

function savedHint(hint: SecretHints[string] | undefined): string | undefined {
  if (!hint) return undefined;
  return hint.lastFour ? `Saved, ends in ${hint.lastFour}. Leave empty to keep it, or type a new value.` : "Saved. Leave empty to keep it, or type a new value.";
}

export function ConnectionForm({ teamSlug, oauthClients, canRegisterClients, callbackUrl, initial, hints, savedCertificate, agents, action, cancelHref, submitLabel }: Props) {
  const [draft, setDraft] = useState<ConnectionDraft>(initial);
  const update = (patch: Partial<ConnectionDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const setOAuth = (patch: Partial<ConnectionDraft["oauth"]>) => setDraft((d) => ({ ...d, oauth: { ...d.oauth, ...patch } }));
  const setCertificate = (patch: Partial<ConnectionDraft["certificate"]>) => setDraft((d) => ({ ...d, certificate: { ...d.certificate, ...patch } }));

  return (
    <DraftForm
      draft={draft}
      parse={parseDraft}
      action={action}
      submitLabel={submitLabel}
      cancelHref={cancelHref}
      // OAuth2 types are proven by Connect: they have no token before they are saved.
      secondary={isOAuthType(draft.authType) ? undefined : { label: "Save and test", name: "intent", value: "test", pendingText: "Testing…" }}
    >
      {(errors) => (
        <>
          <FormSection title="Connection">
            <Field label="Name" name="name" value={draft.name} onChange={(e) => update({ name: e.target.value })} error={errors.name} placeholder="Stripe (production)" autoComplete="off" />
            <Field
              label="Base URL"
              name="baseUrl"
              value={draft.baseUrl}
              onChange={(e) => update({ baseUrl: e.target.value })}
              error={errors.baseUrl}
              placeholder="https://api.example.com/v1"
              hint="Test requests and the proxy send paths relative to this URL."
              autoComplete="off"
              inputMode="url"
            />
          </FormSection>

          <FormSection title="Authentication">
            <fieldset>
              <legend className="text-sm font-medium text-slate-800">Authentication type</legend>
              <div className="mt-2 grid grid-cols-2 gap-2 sm:grid-cols-4">
                {AUTH_TYPES.map((type) => (
                  <label
                    key={type}
                    className={cx(
                      "flex cursor-pointer items-center justify-center rounded-md border px-3 py-2 text-center text-sm font-medium has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-brand-500",
                      draft.authType === type ? "border-brand-600 bg-brand-50 text-brand-800" : "border-slate-300 bg-white text-slate-700 hover:bg-slate-50",
                    )}
                  >
                    <input type="radio" name="authTypeChoice" value={type} checked={draft.authType === type} onChange={() => update({ authType: type })} className="sr-only" />
                    {AUTH_TYPE_LABEL[type]}
                  </label>
                ))}
              </div>
              <p className="mt-2 text-sm text-slate-600">{AUTH_TYPE_HELP[draft.authType]}</p>
            </fieldset>

            {draft.authType === "BEARER" ? <BearerFields draft={draft} errors={errors} hints={hints} onChange={update} /> : null}
            {draft.authType === "AWS_SIGV4" ? <AwsFields draft={draft.aws} errors={errors} hints={hints} onChange={(patch) => setDraft((d) => ({ ...d, aws: { ...d.aws, ...patch } }))} /> : null}
            {draft.authType === "OAUTH1" ? <OAuth1Fields draft={draft.oauth1} errors={errors} hints={hints} onChange={(patch) => setDraft((d) => ({ ...d, oauth1: { ...d.oauth1, ...patch } }))} /> : null}

            {draft.authType === "BASIC" || draft.authType === "CUSTOM" || draft.authType === "DIGEST" ? (
              <div className="grid gap-4 sm:grid-cols-2">
                <Field
                  label={draft.authType === "CUSTOM" ? "Basic username (optional)" : "Username"}
                  name="username"
                  value={draft.username}
                  onChange={(e) => update({ username: e.target.value })}
                  error={errors.username}
                  autoComplete="off"
                />
                <Field
                  label={draft.authType === "DIGEST" ? "Password" : "Password or API key"}
                  name="password"
                  type="password"
                  value={draft.password}
                  onChange={(e) => update({ password: e.target.value })}
                  error={errors.password}
                  hint={savedHint(hints.password) ?? "Encrypted when saved, and never shown again."}
                  autoComplete="new-password"
                />
              </div>
            ) : null}

            {draft.authType === "HEADER" || draft.authType === "CUSTOM" ? (
              <EntryList
                list="headers"
                title="Headers"
                nameLabel="Header name"
                namePlaceholder="X-API-Key"
                entries={draft.headers}
                errors={errors}
                hints={hints}
                onChange={(headers) => update({ headers })}
              />
            ) : null}

            {draft.authType === "QUERY" || draft.authType === "CUSTOM" ? (
              <EntryList
                list="params"
                title="Query parameters"
                nameLabel="Parameter name"
                namePlaceholder="api_key"
                entries={draft.params}
                errors={errors}
                hints={hints}
                onChange={(params) => update({ params })}
              />
            ) : null}
            {draft.authType === "OAUTH2_CODE" || draft.authType === "OAUTH2_CLIENT_CREDENTIALS" ? (
              <OAuthFields grant={draft.authType} teamSlug={teamSlug} draft={draft.oauth} clients={oauthClients} canRegisterClients={canRegisterClients} callbackUrl={callbackUrl} errors={errors} hints={hints} onChange={setOAuth} />
            ) : null}
          </FormSection>

          <FormSection title="Options">
            <label className="flex items-start gap-3">
              <input
                type="checkbox"
                className="mt-1 h-4 w-4 rounded border-slate-300"
                checked={draft.certificate.mode !== "none"}
                onChange={(e) => setCertificate({ mode: e.target.checked ? (savedCertificate ? "keep" : "new") : "none" })}
              />
              <span>
                <span className="block text-sm font-medium text-slate-800">Use client SSL certificate</span>
                <span className="block text-sm text-slate-600">Sends a certificate with every request of this connection (mutual TLS).</span>
              </span>
            </label>
            {draft.certificate.mode === "keep" && savedCertificate ? (
              <div className="rounded-md border border-slate-200 bg-slate-50 p-3 text-sm">
                <p className="font-medium text-slate-800">{savedCertificate.subject}</p>
                {savedCertificate.expiresAt ? <p className="text-slate-600">Expires {new Date(savedCertificate.expiresAt).toUTCString()}</p> : null}
                <button type="button" className={cx(buttonStyles.secondary, "mt-2")} onClick={() => setCertificate({ mode: "new" })}>
                  Replace certificate
                </button>
              </div>
            ) : null}
            {draft.certificate.mode === "new" ? (
              <div className="space-y-4">
                <PemField label="Certificate (PEM)" name="certificatePem" value={draft.certificate.certificatePem} error={errors["certificate.certificatePem"]} onChange={(v) => setCertificate({ certificatePem: v })} hint="The client certificate, followed by any intermediate certificates." />
                <PemField label="Private key (PEM)" name="privateKeyPem" value={draft.certificate.privateKeyPem} error={errors["certificate.privateKeyPem"]} onChange={(v) => setCertificate({ privateKeyPem: v })} hint="Encrypted when saved, and never shown again." />
                <Field
                  label="Key passphrase (optional)"
                  name="passphrase"
                  type="password"
                  value={draft.certificate.passphrase}
                  onChange={(e) => setCertificate({ passphrase: e.target.value })}
                  error={errors["certificate.passphrase"]}
                  autoComplete="off"
                />
                <PemField label="CA bundle (optional)" name="caPem" value={draft.certificate.caPem} error={errors["certificate.caPem"]} onChange={(v) => setCertificate({ caPem: v })} hint="Certificates that the API's server certificate must chain to, if not a public CA." />
                {savedCertificate ? (
                  <button type="button" className={buttonStyles.ghost} onClick={() => setCertificate({ mode: "keep" })}>
                    Keep the saved certificate instead
                  </button>
                ) : null}
              </div>
            ) : null}

            <NetworkFields teamSlug={teamSlug} agents={agents} draft={draft} errors={errors} onChange={update} />
          </FormSection>
        </>
      )}
    </DraftForm>
  );
}

/** "Is this app in a private network?": directly over the internet, or through one of the team's agents. */
function NetworkFields({
  teamSlug,
  agents,
  draft,
  errors,
  onChange,
}: {
  teamSlug: string;
  agents: AgentOption[];
  draft: ConnectionDraft;
  errors: Record<string, string>;
  onChange: (patch: Partial<ConnectionDraft>) => void;
}) {
  const noAgents = agents.length === 0;
  const chosen = agents.find((agent) => agent.id === draft.agentId);
  const agentsLink = (
    <Link href={`/t/${teamSlug}/agents`} className="font-medium text-brand-700 hover:underline">
      Agents
    </Link>
  );
  const choice = (value: ConnectionDraft["network"], title: string, description: string, disabled = false) => (
    <label className={cx("flex items-start gap-3", disabled ? "cursor-not-allowed opacity-60" : "cursor-pointer")}>
      <input
        type="radio"
        name="networkChoice"
        value={value}
        className="mt-1 h-4 w-4 border-slate-300 accent-brand-600"
        checked={draft.network === value}
        disabled={disabled}
        onChange={() => onChange({ network: value })}
      />
      <span>
        <span className="block text-sm font-medium text-slate-800">{title}</span>
        <span className="block text-sm text-slate-600">{description}</span>
      </span>
    </label>
  );

  return (
    <div className="space-y-4 border-t border-slate-200 pt-4">
      <fieldset>
        <legend className="text-sm font-medium text-slate-800">Is this app in a private network?</legend>
        <div className="mt-2 space-y-3">
          {choice("public", "No", "Keyway calls it directly over the internet.")}
          {choice(
            "private",
            "Yes",
            "Keyway calls it through an agent running inside the network. The agent connects out to Keyway, so no inbound firewall rule is needed.",
            noAgents && draft.network !== "private",
          )}
        </div>
        {errors.network ? <p className="mt-1 text-sm text-red-700">{errors.network}</p> : null}
        {errors.agentId && !(draft.network === "private" && !noAgents) ? <p className="mt-1 text-sm text-red-700">{errors.agentId}</p> : null}
      </fieldset>
      {noAgents ? (
        <p className="rounded-md border border-slate-200 bg-slate-50 p-3 text-sm text-slate-600">
          This team has no agents yet. A team admin registers one under {agentsLink} and starts it on a machine inside the network; it then appears here.
        </p>
      ) : null}
      {draft.network === "private" && !noAgents ? (
        <SelectField
          label="Agent"
          id="field-agentId"
          value={draft.agentId}
          onChange={(e) => onChange({ agentId: e.target.value })}
          error={errors.agentId}
          hint={
            chosen?.revoked ? (
              "This agent was revoked: requests through it fail. Choose another one."
            ) : chosen && chosen.status !== "online" ? (
              "This agent is not connected now: requests through it fail until it is."
            ) : (
              <>The agent sends this connection&apos;s requests from inside the network. A team admin manages agents under {agentsLink}.</>
            )
          }
        >
          <option value="">Choose an agent</option>
          {agents.map((agent) => (
            <option key={agent.id} value={agent.id} disabled={agent.revoked}>
              {agent.name} — {agent.status}
            </option>
          ))}
        </SelectField>
      ) : null}
    </div>
  );
}

function EntryList({
  list,
  title,
  nameLabel,
  namePlaceholder,
  entries,
  errors,
  hints,
  onChange,
}: {
  list: "headers" | "params";
  title: string;
  nameLabel: string;
  namePlaceholder: string;
  entries: EntryDraft[];
  errors: Record<string, string>;
  hints: SecretHints;
  onChange: (entries: EntryDraft[]) => void;
}) {
  const change = (index: number, patch: Partial<EntryDraft>) => onChange(entries.map((e, i) => (i === index ? { ...e, ...patch } : e)));
  return (
    <fieldset className="space-y-3">
      <legend className="text-sm font-medium text-slate-800">{title}</legend>
      {errors[list] ? <p className="text-sm text-red-700">{errors[list]}</p> : null}
      {entries.map((entry, index) => {
        const saved = entry.id && entry.secret ? hints[`${list}:${entry.id}`] : undefined;
        const prefix = `${list}-${index}`;
        return (
          <div key={index} className="grid gap-3 rounded-md border border-slate-200 p-3 sm:grid-cols-[1fr_1.4fr_auto] sm:items-start">
            <Field id={`${prefix}-name`} label={nameLabel} name={`${prefix}-name`} value={entry.name} placeholder={namePlaceholder} onChange={(e) => change(index, { name: e.target.value })} error={errors[`${list}.${index}.name`]} autoComplete="off" />
            <Field
              id={`${prefix}-value`}
              label="Value"
              name={`${prefix}-value`}
              type={entry.secret ? "password" : "text"}
              value={entry.value}
              onChange={(e) => change(index, { value: e.target.value })}
              error={errors[`${list}.${index}.value`]}
              hint={saved ? savedHint(saved) : undefined}
              autoComplete={entry.secret ? "new-password" : "off"}
            />
            <div className="flex items-center gap-3 sm:pt-7">
              <label className="flex items-center gap-2 text-sm text-slate-700">
                <input id={`${prefix}-secret`} type="checkbox" className="h-4 w-4 rounded border-slate-300" checked={entry.secret} onChange={(e) => change(index, { secret: e.target.checked })} />
                Secret
              </label>
              <button type="button" className={buttonStyles.ghost} aria-label={`Remove ${title.toLowerCase()} row ${index + 1}`} onClick={() => onChange(entries.filter((_, i) => i !== index))}>
                Remove
              </button>
            </div>
          </div>
        );
      })}
      <button type="button" className={buttonStyles.secondary} onClick={() => onChange([...entries, { name: "", value: "", secret: true }])}>
        {list === "headers" ? "Add header" : "Add parameter"}
      </button>
    </fieldset>
  );
}

function PemField({ label, name, value, error, hint, onChange }: { label: string; name: string; value: string; error?: string; hint?: string; onChange: (value: string) => void }) {
  const id = `field-${name}`;
  const readFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file) onChange(await file.text());
  };
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <textarea
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        rows={5}
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={[hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined}
        className={cx(inputStyles, "mt-1 font-mono text-xs")}
        placeholder="-----BEGIN …-----"
      />
      <div className="mt-1 flex flex-wrap items-center justify-between gap-2">
        {hint ? (
          <p id={`${id}-hint`} className="text-xs text-slate-600">
            {hint}
          </p>
        ) : (
          <span />
        )}
        <label className="cursor-pointer text-sm font-medium text-brand-700 hover:underline">
          Upload a file
          <input type="file" accept=".pem,.crt,.cer,.key,.txt" className="sr-only" onChange={readFile} />
        </label>
      </div>
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}
