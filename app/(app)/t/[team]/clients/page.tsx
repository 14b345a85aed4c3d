import type { Metadata } from "next";
import { EmptyState, PageHeader } from "@/components/ui";
import { ShieldIcon } from "@/components/icons";
import { requireMember } from "@/lib/access";

export const metadata: Metadata = { title: "OAuth clients" };

export default async function ClientsPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  await requireMember(slug);
  return (
    <>
      <PageHeader title="OAuth clients" description="The OAuth clients your team registered with providers such as Google, GitHub or Microsoft, and the connections that use them." />
      <EmptyState icon={<ShieldIcon />} title="No OAuth clients yet">
        <p>Registering OAuth clients is not available in this version of Keyway yet. It arrives together with OAuth2 connections.</p>
      </EmptyState>
    </>
  );
}
