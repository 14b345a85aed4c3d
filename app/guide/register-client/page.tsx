import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { CopyField } from "@/components/copy-button";
import { Logo } from "@/components/ui";
import { roleAtLeast } from "@/lib/access-rules";
import { currentUser } from "@/lib/auth/session";
import { callbackUrl } from "@/lib/oauth/callback-url";
import { PROVIDER_IDS, PROVIDERS, type GuideStep } from "@/lib/oauth/providers";
import { teamsOf } from "@/lib/teams";
import { RedirectChecker } from "./redirect-checker";

export const metadata: Metadata = { title: "Registering an OAuth client" };

// The registration guide (SPEC.md, "Guide: registering a new client"). Its
// provider steps come from lib/oauth/providers.ts, the same entries the
// client form fills itself from, with this instance's callback URL and host
// put in. Readable without signing in; signed in, its buttons open the
// client form in a team the reader administers (only admins register clients).

/** A step's text with {callbackUrl} and {domain} shown as code. */
function StepText({ text, callback, domain }: { text: string; callback: string; domain: string }) {
  const pieces = text.split(/(\{callbackUrl\}|\{domain\})/);
  return (
    <>
      {pieces.map((piece, i) =>
        piece === "{callbackUrl}" ? (
          <code key={i} className="break-all rounded bg-slate-100 px-1 font-mono text-xs text-slate-900">
            {callback}
          </code>
        ) : piece === "{domain}" ? (
          <code key={i} className="rounded bg-slate-100 px-1 font-mono text-xs text-slate-900">
            {domain}
          </code>
        ) : (
          piece
        ),
      )}
    </>
  );
}

function Steps({ steps, callback, domain }: { steps: GuideStep[]; callback: string; domain: string }) {
  return (
    <ol className="list-decimal space-y-2 pl-5 text-sm text-slate-700 marker:font-medium marker:text-slate-500">
      {steps.map((step, i) => (
        <li key={i}>
          <StepText text={step.title} callback={callback} domain={domain} />
          {step.detail ? (
            <p className="mt-0.5 text-xs text-slate-600">
              <StepText text={step.detail} callback={callback} domain={domain} />
            </p>
          ) : null}
        </li>
      ))}
    </ol>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section id={id} aria-labelledby={`${id}-title`} className="scroll-mt-6 rounded-lg border border-slate-200 bg-white p-5 shadow-sm">
      <h2 id={`${id}-title`} className="text-lg font-semibold text-slate-900">
        {title}
      </h2>
      <div className="mt-3 space-y-3 text-sm text-slate-700">{children}</div>
    </section>
  );
}

export default async function RegisterClientGuide() {
  const user = await currentUser();
  const team = user ? (await teamsOf(user.id)).find((t) => roleAtLeast(t.role, "ADMIN")) : undefined;
  const callback = callbackUrl();
  const domain = new URL(callback).hostname;
  const createHref = (provider: string) => (team ? `/t/${team.slug}/clients/new?provider=${provider}` : `/signin?callbackUrl=${encodeURIComponent(`/guide/register-client#${provider}`)}`);

  return (
    <div className="mx-auto max-w-3xl px-4 py-8">
      <header className="mb-6 flex flex-wrap items-center justify-between gap-3">
        <Link href="/" aria-label="Keyway home">
          <Logo className="text-lg" />
        </Link>
        {team ? (
          <Link href={`/t/${team.slug}/clients`} className="text-sm font-medium text-brand-700 hover:underline">
            Your team&apos;s OAuth clients
          </Link>
        ) : (
          <Link href="/signin" className="text-sm font-medium text-brand-700 hover:underline">
            Sign in
          </Link>
        )}
      </header>
      {/* break-words: a long URL or scope in a step wraps instead of widening the page on a phone. */}
      <main className="min-w-0 space-y-6 break-words">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Registering your own OAuth client</h1>
          <p className="mt-2 text-sm text-slate-600">
            How to create an OAuth client at a provider and register it in Keyway, so that your OAuth 2.0 connections ask for the scopes you need, under your own name.
          </p>
          <nav aria-label="Providers" className="mt-3 flex flex-wrap gap-x-3 gap-y-1 text-sm">
            {PROVIDER_IDS.map((id) => (
              <a key={id} href={`#${id}`} className="font-medium text-brand-700 hover:underline">
                {PROVIDERS[id].name}
              </a>
            ))}
            <a href="#troubleshooting" className="font-medium text-brand-700 hover:underline">
              Troubleshooting
            </a>
          </nav>
        </div>

        <Section id="why" title="Why register your own client">
          <p>
            A prebuilt client, one that a tool registered once for all its users, carries a fixed set of scopes chosen by that tool. It may not reach the endpoints your team needs (an admin API, a directory, a
            private scope), and its consent screen shows the tool&apos;s name, not yours.
          </p>
          <p>
            A client your team registers carries the scopes your team chooses, shows your application name on the consent screen, and stays under your control: you can rotate its secret or revoke it at the
            provider at any time.
          </p>
          <p>This applies to OAuth 2.0 connections only. Connections that use an API key, Basic credentials or headers need no client.</p>
        </Section>

        <Section id="callback" title="The callback URL of this Keyway">
          <p>Every provider asks for a redirect URI (also called callback URL). Register exactly this one, for every client:</p>
          <CopyField value={callback} label="Callback URL" />
          <p className="text-xs text-slate-600">It must match exactly: scheme, host, port, path, and no trailing slash. The same URL is shown on every client&apos;s page in Keyway.</p>
        </Section>

        {PROVIDER_IDS.map((id) => {
          const provider = PROVIDERS[id];
          return (
            <Section key={id} id={id} title={provider.name}>
              <p>
                Console:{" "}
                <a href={provider.consoleUrl} target="_blank" rel="noreferrer" className="font-medium text-brand-700 hover:underline">
                  {new URL(provider.consoleUrl).host}
                </a>{" "}
                · Documentation:{" "}
                <a href={provider.docsUrl} target="_blank" rel="noreferrer" className="font-medium text-brand-700 hover:underline">
                  {provider.name} OAuth
                </a>
              </p>
              <Steps steps={provider.guide} callback={callback} domain={domain} />
              <p className="text-xs text-slate-600">{provider.refreshTokens}</p>
              <div>
                <Link href={createHref(id)} className="inline-flex items-center rounded-md bg-brand-600 px-3.5 py-2 text-sm font-medium text-white shadow-sm hover:bg-brand-700">
                  Create this client in Keyway
                </Link>
              </div>
            </Section>
          );
        })}

        <Section id="troubleshooting" title="Troubleshooting">
          <h3 className="text-base font-semibold text-slate-900">“Error 400: redirect_uri_mismatch”</h3>
          <p>
            The provider compared the redirect URI Keyway sent with the ones registered for the client, and none matched exactly. Open the client in the provider&apos;s console, add the callback URL
            above under its redirect URIs (at Google: “Authorized redirect URIs”), save, wait a minute (Google can take a few), and connect again. Keyway always sends the callback URL shown above; if
            this instance&apos;s public URL changed, register the new one.
          </p>
          <p>Paste the URL of the provider&apos;s error page, or the redirect URI you registered, to see what differs:</p>
          <RedirectChecker callbackUrl={callback} />

          <h3 className="pt-2 text-base font-semibold text-slate-900">Sent to a “verify domain ownership” page</h3>
          <p>
            Some consoles (Google&apos;s among them) link to domain verification from the consent screen settings. It is not needed to create a client or to use this callback URL. Go back to “Credentials”,
            click “Create credentials” → “OAuth client ID”, and create the client there.
          </p>

          <h3 className="pt-2 text-base font-semibold text-slate-900">“invalid_client”</h3>
          <p>
            The provider does not accept the client ID or secret: a typo, a secret that was rotated or has expired (Microsoft secrets expire), or the wrong client authentication method. Copy both
            again from the console into the client in Keyway, and check whether the provider expects the secret with HTTP Basic or in the request body.
          </p>

          <h3 className="pt-2 text-base font-semibold text-slate-900">“invalid_scope”</h3>
          <p>
            A requested scope is unknown to the provider or not enabled for the client. Check the spelling and full form of each scope (Google&apos;s are URLs), enable the API the scope belongs to,
            and add the scope on the consent screen before connecting again.
          </p>
        </Section>
      </main>
    </div>
  );
}
