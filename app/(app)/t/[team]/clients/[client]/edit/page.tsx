import type { Metadata } from "next";
import { PageHeader } from "@/components/ui";
import { requireMember } from "@/lib/access";
import { callbackUrl } from "@/lib/oauth/callback-url";
import { draftFromClient } from "@/lib/oauth/client-draft";
import { findOAuthClientOr404 } from "../find";
import { saveClientAction } from "../../actions";
import { ClientForm } from "../../client-form";

export async function generateMetadata({ params }: { params: Promise<{ team: string; client: string }> }): Promise<Metadata> {
  const { team: slug, client: clientId } = await params;
  const { team } = await requireMember(slug, "ADMIN");
  const client = await findOAuthClientOr404(team.id, clientId);
  return { title: `Edit ${client.name} · OAuth clients` };
}

export default async function EditClientPage({ params }: { params: Promise<{ team: string; client: string }> }) {
  const { team: slug, client: clientId } = await params;
  const { team } = await requireMember(slug, "ADMIN");
  const client = await findOAuthClientOr404(team.id, clientId);
  return (
    <div className="max-w-3xl">
      <PageHeader
        title={`Edit ${client.name}`}
        trail={[
          { label: "OAuth clients", href: `/t/${slug}/clients` },
          { label: client.name, href: `/t/${slug}/clients/${client.id}` },
        ]}
        description="The secret and private key fields are empty on purpose: saved ones never come back to the browser. Leave them empty to keep them." />
      <ClientForm
        teamSlug={slug}
        initial={draftFromClient(client)}
        callbackUrl={callbackUrl()}
        saved={{ hasSecret: client.hasSecret, secretLastFour: client.secretLastFour, redirectUri: client.redirectUri, hasPrivateKey: client.hasPrivateKey, publicJwk: client.publicJwk, keyThumbprint: client.keyThumbprint }}
        action={saveClientAction.bind(null, slug, client.id)}
        cancelHref={`/t/${slug}/clients/${client.id}`}
        submitLabel="Save changes"
      />
    </div>
  );
}
