"use client";

import Link from "next/link";
import { LiveTime } from "@/components/live-time";
import { useMemo, useState } from "react";
import { DraftForm, Field, SelectField } from "@/components/form";
import { canSaveAndTest, isReceiverType } from "@/lib/connections/schemas";
import { buttonStyles, cx, FormSection } from "@/components/ui";
import type { FormState } from "@/lib/forms";
import { parseAllowList, refusalForUrl, type AllowList } from "@/lib/outbound/address-policy";
import { parseDraft, type ConnectionDraft, type EntryDraft } from "@/lib/connections/form-payload";
import { AUTH_TYPE_LABEL, AUTH_TYPES, type AuthType } from "@/lib/connections/schemas";
import type { SecretHints } from "@/lib/connections/stored";
import type { ClientChoice } from "@/lib/oauth/choices";
import type { AgentOption } from "./agent-presence";
import { OAuthFields } from "./oauth-fields";
import { PemField } from "./pem-field";
import { JwtBearerFields } from "./jwt-bearer-fields";
import { AwsFields, BearerFields, OAuth1Fields } from "./signed-auth-fields";

const AUTH_TYPE_HELP: Record<AuthType, string> = {
  NONE: "Sends no credentials: for APIs that need no authentication.",
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
  GOOGLE_SERVICE_ACCOUNT: "Keyway signs an assertion with the service account's key (RFC 7523, as Google documents it), optionally acting as a Workspace user, sends Authorization: Bearer, and gets a new token before it expires.",
  OAUTH2_JWT_BEARER: "The JWT bearer grant (RFC 7523) with any authorization server: Keyway signs an assertion with your private key, trades it for a token, sends Authorization: Bearer, and gets a new one before it expires.",
  WEBHOOK: "No API to call: the connection gets a webhook URL that receives what apps POST to it, checks their signatures, and can forward each event to your own URL.",
};

/** One line each in the picker; AUTH_TYPE_HELP says more about the chosen one. */
const AUTH_TYPE_LINE: Record<AuthType, string> = {
  NONE: "An API without authentication",
  BASIC: "Username and password or API key",
  BEARER: "A token you paste",
  HEADER: "Headers such as X-API-Key",
  QUERY: "Parameters such as ?api_key=",
  CUSTOM: "Headers, parameters and Basic",
  DIGEST: "The password is never sent",
  AWS_SIGV4: "Signs requests the AWS way",
  OAUTH1: "Signs each request with OAuth 1.0a",
  OAUTH2_CODE: "A user connects once",
  OAUTH2_CLIENT_CREDENTIALS: "The client's own credentials",
  GOOGLE_SERVICE_ACCOUNT: "Paste the JSON key file",
  OAUTH2_JWT_BEARER: "A signed assertion, any server",
  WEBHOOK: "Receives events that apps post",
};

// Outline marks in the style of components/icons.tsx, one per type.
const AUTH_TYPE_ICON: Record<AuthType, string> = {
  NONE: "M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM4.93 4.93l14.14 14.14",
  BASIC: "M19 21v-2a4 4 0 0 0-4-4H9a4 4 0 0 0-4 4v2M12 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8z",
  BEARER: "M2 9a3 3 0 0 1 0 6v2a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2v-2a3 3 0 0 1 0-6V7a2 2 0 0 0-2-2H4a2 2 0 0 0-2 2zM13 5v2M13 17v2M13 11v2",
  HEADER: "M4 6h16M4 12h10M4 18h7",
  QUERY: "M9.09 9a3 3 0 0 1 5.83 1c0 2-3 3-3 3M12 17h.01M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20z",
  CUSTOM: "M4 21v-7M4 10V3M12 21v-9M12 8V3M20 21v-5M20 12V3M1 14h6M9 8h6M17 16h6",
  DIGEST: "M4 9h16M4 15h16M10 3 8 21M16 3l-2 18",
  AWS_SIGV4: "M12 20h9M16.5 3.5a2.12 2.12 0 0 1 3 3L7 19l-4 1 1-4z",
  // A stamp: OAuth 1.0a signs each request; the pen stays AWS Signature V4's.
  OAUTH1: "M5 22h14M19.27 13.73A2.5 2.5 0 0 0 17.5 13h-11A2.5 2.5 0 0 0 4 15.5V17a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-1.5c0-.66-.26-1.3-.73-1.77M14 13V8.5C14 7 15 7 15 5a3 3 0 0 0-6 0c0 1.8 1 2 1 3.5V13",
  OAUTH2_CODE: "M15 3h4a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2h-4M10 17l5-5-5-5M15 12H3",
  OAUTH2_CLIENT_CREDENTIALS: "M4 4h16v6H4zM4 14h16v6H4zM8 7h.01M8 17h.01",
  GOOGLE_SERVICE_ACCOUNT: "M15 7a2 2 0 1 1 4 0 2 2 0 0 1-4 0zM17 9v12M17 14h3M17 18h2M3 12h9M3 12l3-3M3 12l3 3",
  OAUTH2_JWT_BEARER: "M12 22s8-4 8-10V5l-8-3-8 3v7c0 6 8 10 8 10zM9 12l2 2 4-4",
  WEBHOOK: "M22 12h-6l-2 3h-4l-2-3H2M5.45 5.11 2 12v6a2 2 0 0 0 2 2h16a2 2 0 0 0 2-2v-6l-3.45-6.89A2 2 0 0 0 16.76 4H7.24a2 2 0 0 0-1.79 1.11z",
};

/** Fields every type shares; any other field's error belongs to the type it was found under. */
const SHARED_FIELDS = /^(name|baseUrl|agentId|network|certificate)(\.|$)/;

/** "Enter a username." from a Basic form has no place under the Custom form chosen since. */
function authErrorStillApplies(field: string, submitted: ConnectionDraft, now: ConnectionDraft): boolean {
  return submitted.authType === now.authType || SHARED_FIELDS.test(field);
}

/** The authentication types as a radio group: a vertical list with a mark, the name and one line each. */
function AuthTypePicker({ value, onChange }: { value: AuthType; onChange: (type: AuthType) => void }) {
  return (
    <fieldset>
      <legend className="text-sm font-medium text-slate-800">Authentication type</legend>
      <div className="mt-2 grid gap-2 sm:grid-cols-2">
        {AUTH_TYPES.map((type) => {
          const chosen = value === type;
          return (
            <label
              key={type}
              className={cx(
                "flex cursor-pointer items-center gap-3 rounded-md border px-3 py-2.5 has-[:focus-visible]:ring-2 has-[:focus-visible]:ring-brand-600",
                chosen ? "border-brand-600 bg-brand-50" : "border-slate-300 bg-white hover:bg-slate-50",
              )}
            >
              <input
                type="radio"
                name="authTypeChoice"
                value={type}
                checked={chosen}
                onChange={() => onChange(type)}
                aria-labelledby={`auth-type-${type}-name`}
                aria-describedby={`auth-type-${type}-line`}
                className="h-4 w-4 shrink-0 border-slate-300 accent-brand-600"
              />
              <span className={cx("flex h-8 w-8 shrink-0 items-center justify-center rounded-md", chosen ? "bg-white text-brand-700" : "bg-slate-100 text-slate-600")}>
                <svg aria-hidden="true" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" className="h-4 w-4">
                  <path d={AUTH_TYPE_ICON[type]} />
                </svg>
              </span>
              <span className="min-w-0">
                <span id={`auth-type-${type}-name`} className={cx("block text-sm font-medium", chosen ? "text-brand-800" : "text-slate-900")}>
                  {AUTH_TYPE_LABEL[type]}
                </span>
                <span id={`auth-type-${type}-line`} className="block text-xs text-slate-600">
                  {AUTH_TYPE_LINE[type]}
                </span>
              </span>
            </label>
          );
        })}
      </div>
      <p className="mt-3 text-sm text-slate-600">{AUTH_TYPE_HELP[value]}</p>
    </fieldset>
  );
}

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
  /** The instance's KEYWAY_OUTBOUND_ALLOW, so the form warns of exactly what outbound safety will refuse. */
  outboundAllow: string;
};

function savedHint(hint: SecretHints[string] | undefined): string | undefined {
  if (!hint) return undefined;
  return hint.lastFour ? `Saved, ends in ${hint.lastFour}. Leave empty to keep it, or type a new value.` : "Saved. Leave empty to keep it, or type a new value.";
}

export function ConnectionForm({ teamSlug, oauthClients, canRegisterClients, callbackUrl, initial, hints, savedCertificate, agents, action, cancelHref, submitLabel, outboundAllow }: Props) {
  const [draft, setDraft] = useState<ConnectionDraft>(initial);
  const allow = useMemo<AllowList>(() => {
    try {
      return parseAllowList(outboundAllow);
    } catch {
      // The server refuses to start with a malformed list; nothing to warn with here.
      return [];
    }
  }, [outboundAllow]);
  // Requests through an agent skip Keyway's address checks: the agent applies its own allow list.
  const refusal = draft.network === "private" ? null : refusalForUrl(draft.baseUrl, allow);
  // A receiver calls no API: no base URL, no network or certificate, nothing to test.
  const receiver = isReceiverType(draft.authType);
  const update = (patch: Partial<ConnectionDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const setOAuth = (patch: Partial<ConnectionDraft["oauth"]>) => setDraft((d) => ({ ...d, oauth: { ...d.oauth, ...patch } }));
  const setJwt = (patch: Partial<ConnectionDraft["jwt"]>) => setDraft((d) => ({ ...d, jwt: { ...d.jwt, ...patch } }));
  const setCertificate = (patch: Partial<ConnectionDraft["certificate"]>) => setDraft((d) => ({ ...d, certificate: { ...d.certificate, ...patch } }));

  return (
    <DraftForm
      draft={draft}
      parse={parseDraft}
      action={action}
      submitLabel={submitLabel}
      cancelHref={cancelHref}
      stillApplies={authErrorStillApplies}
      // The authorization code grant is proven by Connect (no token before the user authorizes); a receiver has no API.
      secondary={canSaveAndTest(draft.authType) ? { label: "Save and test", name: "intent", value: "test", pendingText: "Testing…" } : undefined}
    >
      {(errors) => (
        <>
          <FormSection title="Connection">
            <Field label="Name" name="name" value={draft.name} onChange={(e) => update({ name: e.target.value })} error={errors.name} placeholder="Stripe (production)" autoComplete="off" />
            {receiver ? null : (
            <Field
              label="Base URL"
              name="baseUrl"
              value={draft.baseUrl}
              onChange={(e) => update({ baseUrl: e.target.value })}
              error={errors.baseUrl}
              placeholder="https://api.example.com/v1"
              hint={
                refusal ? (
                  <span className="block rounded-md border border-amber-200 bg-amber-50 px-2.5 py-2 text-sm text-amber-900" data-testid="base-url-warning">
                    {refusal} Or, if it is in a private network, send its requests through an agent (Options, below).
                  </span>
                ) : (
                  "Test requests and the proxy send paths relative to this URL."
                )
              }
              autoComplete="off"
              inputMode="url"
            />
            )}
          </FormSection>

          <FormSection title="Authentication">
            <AuthTypePicker value={draft.authType} onChange={(authType) => update({ authType })} />

            {draft.authType === "BEARER" ? <BearerFields draft={draft} errors={errors} hints={hints} onChange={update} /> : null}
            {draft.authType === "AWS_SIGV4" ? <AwsFields draft={draft.aws} errors={errors} hints={hints} onChange={(patch) => setDraft((d) => ({ ...d, aws: { ...d.aws, ...patch } }))} /> : null}
            {draft.authType === "OAUTH1" ? <OAuth1Fields draft={draft.oauth1} errors={errors} hints={hints} callbackUrl={callbackUrl} onChange={(patch) => setDraft((d) => ({ ...d, oauth1: { ...d.oauth1, ...patch } }))} /> : null}

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
            {draft.authType === "GOOGLE_SERVICE_ACCOUNT" || draft.authType === "OAUTH2_JWT_BEARER" ? (
              <JwtBearerFields google={draft.authType === "GOOGLE_SERVICE_ACCOUNT"} jwt={draft.jwt} oauth={draft.oauth} errors={errors} hints={hints} onJwt={setJwt} onOAuth={setOAuth} />
            ) : null}
          </FormSection>

          {receiver ? null : (
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
                {savedCertificate.expiresAt ? <p className="text-slate-600">Expires <LiveTime date={savedCertificate.expiresAt} /></p> : null}
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
          )}
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

