import type { Metadata } from "next";
import { EmptyState, PageHeader } from "@/components/ui";
import { KeyIcon } from "@/components/icons";
import { requireMember } from "@/lib/access";

export const metadata: Metadata = { title: "API keys" };

export default async function ApiKeysPage({ params }: { params: Promise<{ team: string }> }) {
  const { team: slug } = await params;
  await requireMember(slug, "ADMIN");
  return (
    <>
      <PageHeader title="API keys" description="Keys that let your services call connections through Keyway's proxy without ever holding their secrets." />
      <EmptyState icon={<KeyIcon />} title="No API keys yet">
        <p>Team API keys and the proxy are not available in this version of Keyway yet.</p>
      </EmptyState>
    </>
  );
}
