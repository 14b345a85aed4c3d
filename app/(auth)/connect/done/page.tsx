import type { Metadata } from "next";
import { cookies } from "next/headers";
import { Alert, Card } from "@/components/ui";
import { connectLinkOutcome } from "@/lib/connect-links";
import { CONNECT_LINK_COOKIE } from "@/lib/connect-links/cookie";

// Where a connect link's authorization ends. The outcome is read from the
// pending authorization of this browser (its cookie), never from the URL, so
// a crafted link cannot put words on this page.

export const metadata: Metadata = { title: "Connect an account", referrer: "no-referrer", robots: { index: false, follow: false } };
export const dynamic = "force-dynamic";

export default async function ConnectLinkDonePage({ searchParams }: { searchParams: Promise<{ attempt?: string }> }) {
  const { attempt } = await searchParams;
  const outcome = attempt ? await connectLinkOutcome(attempt, (await cookies()).get(CONNECT_LINK_COOKIE)?.value) : null;
  if (!outcome) {
    return (
      <Card>
        <h1 className="mb-2 text-xl font-semibold text-slate-900">Nothing to show</h1>
        <p className="text-sm text-slate-600">This page shows how an authorization from a connect link ended, in the browser that started it. Open the link you were sent again.</p>
      </Card>
    );
  }
  const connected = outcome.outcome === "connected";
  return (
    <Card>
      <p className="text-sm font-medium text-brand-700">{outcome.connection.team.name}</p>
      <h1 className="mb-3 mt-1 break-words text-xl font-semibold text-slate-900">{outcome.connection.name}</h1>
      <div>
        {connected ? (
          <Alert tone="green" title="Connected">
            Thank you. The team can use the connection now; you can close this page.
          </Alert>
        ) : (
          <Alert title="The authorization did not complete">
            <span className="block">The provider answered {outcome.errorCode ? <code className="font-mono">{outcome.errorCode}</code> : "with an error"}{outcome.errorDescription ? `: ${outcome.errorDescription}` : "."}</span>
            <span className="mt-1 block">Open the link you were sent again to retry; it stays usable until it expires.</span>
          </Alert>
        )}
      </div>
    </Card>
  );
}
