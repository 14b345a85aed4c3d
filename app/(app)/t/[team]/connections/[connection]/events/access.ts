import { AccessError, checkMember } from "@/lib/access-rules";
import { currentUser } from "@/lib/auth/session";

// The events routes answer the connection page's polling: the session's user
// must be a member of the team (any role reads); anything else gets a JSON
// refusal, never the events.

export function refuse(status: number, message: string): Response {
  return Response.json({ error: { message } }, { status, headers: { "Cache-Control": "no-store" } });
}

/** The team's id, or the Response that refuses the caller. */
export async function teamOfCaller(slug: string): Promise<{ teamId: string } | { refused: Response }> {
  const user = await currentUser();
  if (!user) return { refused: refuse(401, "Sign in to see this connection's events.") };
  try {
    return { teamId: (await checkMember(user.id, slug, "VIEWER")).team.id };
  } catch (error) {
    if (error instanceof AccessError) return { refused: refuse(404, "Not found.") };
    throw error;
  }
}
