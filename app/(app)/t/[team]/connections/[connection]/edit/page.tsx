import type { Metadata } from "next";
import { config } from "@/lib/config";
import { Alert, PageHeader } from "@/components/ui";
import { requireMember, roleAtLeast } from "@/lib/access";
import { clientChoices } from "@/lib/oauth/choices";
import { callbackUrl } from "@/lib/oauth/callback-url";
import { findConnectionOr404 } from "../find";
import { draftFromConnection } from "@/lib/connections/form-payload";
import { teamAgentChoices } from "@/lib/agents/options";
import { agentOptions } from "../../agent-presence";
import { saveConnectionAction } from "../../actions";
import { ConnectionForm } from "../../connection-form";

export async function generateMetadata({ params }: { params: Promise<{ team: string; connection: string }> }): Promise<Metadata> {
  const { team: slug, connection: connectionId } = await params;
  const { team } = await requireMember(slug, "MEMBER");
  const connection = await findConnectionOr404(team.id, connectionId);
  return { title: `Edit ${connection.name} · Connections` };
}

export default async function EditConnectionPage({ params, searchParams }: { params: Promise<{ team: string; connection: string }>; searchParams: Promise<{ duplicated?: string }> }) {
  const { team: slug, connection: connectionId } = await params;
  const { duplicated } = await searchParams;
  const { team, membership } = await requireMember(slug, "MEMBER");
  const [connection, oauthClients, agents] = await Promise.all([findConnectionOr404(team.id, connectionId), clientChoices(team.id), teamAgentChoices(team.id)]);
  // The saved agent stays visible even once revoked, so the form shows why it must change.
  const savedAgent = connection.agent;
  const choices = savedAgent && !agents.some((agent) => agent.id === savedAgent.id) ? [...agents, savedAgent] : agents;
  return (
    <div className="max-w-3xl">
      <PageHeader
        title={`Edit ${connection.name}`}
        trail={[
          { label: "Connections", href: `/t/${slug}/connections` },
          { label: connection.name, href: `/t/${slug}/connections/${connection.id}` },
        ]}
        description="Secret fields are empty on purpose: saved secrets never come back to the browser. Leave them empty to keep them." />
      {duplicated ? (
        <div className="mb-4">
          <Alert tone="green">This is a copy, with the same secrets. Rename it and change what differs.</Alert>
        </div>
      ) : null}
      <ConnectionForm
        teamSlug={slug}
        oauthClients={oauthClients}
        canRegisterClients={roleAtLeast(membership.role, "ADMIN")}
        callbackUrl={callbackUrl()}
        initial={draftFromConnection(connection)}
        hints={connection.secretHints}
        savedCertificate={connection.clientCertPem ? { subject: connection.clientCertSubject, expiresAt: connection.clientCertExpiresAt?.toISOString() ?? null } : null}
        agents={agentOptions(choices)}
        action={saveConnectionAction.bind(null, slug, connection.id)}
        cancelHref={`/t/${slug}/connections/${connection.id}`}
        outboundAllow={config().KEYWAY_OUTBOUND_ALLOW}
        submitLabel="Save changes"
      />
    </div>
  );
}
