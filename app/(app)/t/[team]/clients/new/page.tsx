import type { Metadata } from "next";
import { PageHeader } from "@/components/ui";
import { requireMember } from "@/lib/access";
import { callbackUrl } from "@/lib/oauth/callback-url";
import { applyTemplate, emptyClientDraft } from "@/lib/oauth/client-draft";
import { providerTemplate } from "@/lib/oauth/providers";
import { saveClientAction } from "../actions";
import { ClientForm } from "../client-form";

export const metadata: Metadata = { title: "Register a client · OAuth clients" };

/** `?provider=google` (or oidc, custom) opens the form with that provider chosen, e.g. from the registration guide. */
export default async function NewClientPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<{ provider?: string }> }) {
  const { team: slug } = await params;
  const { provider } = await searchParams;
  await requireMember(slug, "ADMIN");
  const template = provider ? providerTemplate(provider) : undefined;
  const initial = template ? applyTemplate(emptyClientDraft(), template) : { ...emptyClientDraft(), provider: provider === "oidc" ? "oidc" : "custom" };
  return (
    <div className="max-w-3xl">
      <PageHeader title="Register an OAuth client" trail={[{ label: "OAuth clients", href: `/t/${slug}/clients` }]} description="The client you created in the provider's console. Its secret is encrypted when saved and never shown again." />
      <ClientForm teamSlug={slug} initial={initial} callbackUrl={callbackUrl()} action={saveClientAction.bind(null, slug, null)} cancelHref={`/t/${slug}/clients`} submitLabel="Register client" />
    </div>
  );
}
