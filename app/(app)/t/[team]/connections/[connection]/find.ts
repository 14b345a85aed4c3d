import { cache } from "react";
import { notFound } from "next/navigation";
import { DomainError } from "@/lib/errors";
import { recordId } from "@/lib/schemas/ids";
import { findConnection } from "@/lib/connections";

/** The connection of this team, or the 404 page: another team's id looks exactly like a missing one. */
// Cached per request: the page's title (generateMetadata) and the page itself ask for the same one.
export const findConnectionOr404 = cache(async (teamId: string, connectionId: string) => {
  // From the URL: a malformed id (a NUL byte, megabytes) is no row, and must not reach Postgres, which answers it with an error.
  if (!recordId().safeParse(connectionId).success) notFound();
  try {
    return await findConnection(teamId, connectionId);
  } catch (error) {
    if (error instanceof DomainError && error.status === 404) notFound();
    throw error;
  }
});
