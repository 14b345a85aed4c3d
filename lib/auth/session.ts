import { cache } from "react";
import { DatabaseUnavailableError } from "../db/unavailable";
import { auth } from "./index";

export type SessionUser = { id: string; email: string; name: string };

/** The signed-in user of this request, or null; memoised per request. */
export const currentUser = cache(async (): Promise<SessionUser | null> => {
  const session = await auth();
  // Not signed out: the session could not be checked. The page answers 503 instead of sending the user to sign in.
  if (session?.databaseUnavailable) throw new DatabaseUnavailableError();
  const user = session?.user;
  if (!user?.id || !user.email) return null;
  return { id: user.id, email: user.email, name: user.name ?? user.email };
});

/** The id of the Session row this request is signed in with (lib/auth/sessions.ts). */
export async function currentSessionId(): Promise<string | undefined> {
  return (await auth())?.sessionId;
}
