import type { Metadata } from "next";
import { config } from "@/lib/config";
import { PageHeader } from "@/components/ui";
import { requireMember, roleAtLeast } from "@/lib/access";
import { clientChoices } from "@/lib/oauth/choices";
import { callbackUrl } from "@/lib/oauth/callback-url";
import { emptyDraft } from "@/lib/connections/form-payload";
import { teamAgentChoices } from "@/lib/agents/options";
import { agentOptions } from "../agent-presence";
import { saveConnectionAction } from "../actions";
import { ConnectionForm } from "../connection-form";

export const metadata: Metadata = { title: "New connection · Connections" };

export default async function NewConnectionPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  const { team, membership } = await requireMember(slug, "MEMBER");
  const [oauthClients, agents] = await Promise.all([clientChoices(team.id), teamAgentChoices(team.id)]);
  return (
    <div className="max-w-3xl">
      <PageHeader title="New connection" trail={[{ label: "Connections", href: `/t/${slug}/connections` }]} description="An API your team's software reaches, and how it authenticates. Secrets are encrypted when saved and never shown again." />
      <ConnectionForm
        teamSlug={slug}
        oauthClients={oauthClients}
        canRegisterClients={roleAtLeast(membership.role, "ADMIN")}
        callbackUrl={callbackUrl()}
        initial={emptyDraft()}
        hints={{}}
        savedCertificate={null}
        agents={agentOptions(agents)}
        action={saveConnectionAction.bind(null, slug, null)}
        cancelHref={`/t/${slug}/connections`}
        outboundAllow={config().KEYWAY_OUTBOUND_ALLOW}
        submitLabel="Create connection"
      />
    </div>
  );
}
