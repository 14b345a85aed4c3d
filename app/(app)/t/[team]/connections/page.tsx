import type { Metadata } from "next";
import { Alert, EmptyState, PageHeader } from "@/components/ui";
import { PlugIcon } from "@/components/icons";
import { requireMember } from "@/lib/access";

export const metadata: Metadata = { title: "Connections" };

export default async function ConnectionsPage({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<{ joined?: string }> }) {
  const { team: slug } = await params;
  const { team } = await requireMember(slug);
  const { joined } = await searchParams;
  return (
    <>
      <PageHeader title="Connections" description="The APIs your team's software reaches: base URL, credentials, and proof that each one works." />
      {joined ? (
        <div className="mb-4">
          <Alert tone="green">Welcome to {team.name}. You are now a member of this team.</Alert>
        </div>
      ) : null}
      <EmptyState icon={<PlugIcon />} title="No connections yet">
        <p>
          Creating connections (Basic, header, query and custom credentials, OAuth2, client certificates) is not part of this version of Keyway yet. It is
          the next piece being built; this page will list your team&apos;s connections once it lands.
        </p>
      </EmptyState>
    </>
  );
}
