import { redirect } from "next/navigation";
import { currentUser } from "@/lib/auth/session";
import { teamsOf } from "@/lib/teams";

export default async function Home() {
  const user = await currentUser();
  if (!user) redirect("/signin");
  const [first] = await teamsOf(user.id);
  redirect(first ? `/t/${first.slug}/connections` : "/teams/new");
}
