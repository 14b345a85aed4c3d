import type { Metadata } from "next";
import Link from "next/link";
import { Logo } from "@/components/ui";
import type { CallbackRefusal } from "@/lib/oauth/authorize";

export const metadata: Metadata = { title: "Authorization not accepted" };

// Why the universal callback refused an answer from a provider. The reason is
// one of a fixed set, so nothing from the URL is shown as text.
const REASONS: Record<CallbackRefusal, { title: string; body: string }> = {
  "missing-state": {
    title: "This answer carries no state",
    body: "Keyway ties every authorization to a state value it sent to the provider. This request has none, so it cannot belong to an authorization started here. Start again from the connection's page with Connect.",
  },
  "unknown-state": {
    title: "Keyway did not start this authorization",
    body: "The state in this answer matches no authorization started on this Keyway. The link may have been altered, or come from another Keyway instance. Nothing was changed. Start again from the connection's page with Connect.",
  },
  "used-state": {
    title: "This authorization was already completed",
    body: "Each authorization can be completed once, and this one has been (perhaps the page was reloaded, or the browser went back). Nothing was changed. Open the connection's page to see its status, or connect again.",
  },
  "expired-state": {
    title: "This authorization took too long",
    body: "An authorization must be completed within 10 minutes of clicking Connect. Nothing was changed. Go back to the connection's page and click Connect again.",
  },
  "other-user": {
    title: "Another person started this authorization",
    body: "Only the person who clicked Connect can complete the authorization, so that nobody can attach their own account at the provider to someone else's request. Nothing was changed. Ask them to finish it, or start your own from the connection's page.",
  },
  "other-browser": {
    title: "This authorization was started in another browser",
    body: "An authorization started from a connect link can only be completed in the browser that opened the link, so that nobody can slip their own provider account into someone else's link. Nothing was changed. Open the link again in this browser and authorize from there.",
  },
  "no-access": {
    title: "You can no longer change this connection",
    body: "Your access to the connection's team changed while you were at the provider (or the connection was deleted or changed type). Nothing was changed.",
  },
};

function isReason(value: string | undefined): value is CallbackRefusal {
  return value !== undefined && Object.hasOwn(REASONS, value);
}

/** Only a well-formed team slug and connection id make a link back (the connection page checks access itself). */
const ID = /^[A-Za-z0-9_-]{1,100}$/;

export default async function RefusedPage({ searchParams }: { searchParams: Promise<{ reason?: string; team?: string; connection?: string }> }) {
  const { reason, team, connection } = await searchParams;
  const explained = isReason(reason) ? REASONS[reason] : REASONS["unknown-state"];
  const backToConnection = (reason === "used-state" || reason === "expired-state") && team && connection && ID.test(team) && ID.test(connection) ? `/t/${team}/connections/${connection}` : null;
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center px-4 py-10">
      <Link href="/" className="mb-8" aria-label="Keyway home">
        <Logo className="text-xl" />
      </Link>
      <div className="w-full max-w-lg rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
        <p className="text-sm font-semibold text-amber-700">Authorization not accepted</p>
        <h1 className="mt-1 text-xl font-semibold text-slate-900">{explained.title}</h1>
        <p className="mt-3 text-sm text-slate-700">{explained.body}</p>
        <p className="mt-6 flex flex-wrap gap-x-6 gap-y-2 text-sm">
          {backToConnection ? (
            <Link href={backToConnection} className="font-medium text-brand-700 hover:underline">
              Open the connection
            </Link>
          ) : null}
          <Link href="/" className="font-medium text-brand-700 hover:underline">
            Back to your teams
          </Link>
        </p>
      </div>
    </main>
  );
}
