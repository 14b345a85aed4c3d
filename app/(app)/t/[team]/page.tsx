import { redirect } from "next/navigation";
import { requireMember } from "@/lib/access";

export default async function TeamHome({ params, searchParams }: { params: Promise<{ team: string }>; searchParams: Promise<{ joined?: string }> }) {
  const { team } = await params;
  await requireMember(team);
  const { joined } = await searchParams;
  redirect(`/t/${team}/connections${joined ? "?joined=1" : ""}`);
}
