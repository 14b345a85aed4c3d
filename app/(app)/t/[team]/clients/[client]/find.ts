import { cache } from "react";
import { notFound } from "next/navigation";
import { DomainError } from "@/lib/errors";
import { recordId } from "@/lib/schemas/ids";
import { findOAuthClient } from "@/lib/oauth/clients";

/** The client of this team, or the 404 page: another team's id looks exactly like a missing one. */
// Cached per request: the page's title (generateMetadata) and the page itself ask for the same one.
export const findOAuthClientOr404 = cache(async (teamId: string, clientId: string) => {
  // From the URL: a malformed id (a NUL byte, megabytes) is no row, and must not reach Postgres, which answers it with an error.
  if (!recordId().safeParse(clientId).success) notFound();
  try {
    return await findOAuthClient(teamId, clientId);
  } catch (error) {
    if (error instanceof DomainError && error.status === 404) notFound();
    throw error;
  }
});
