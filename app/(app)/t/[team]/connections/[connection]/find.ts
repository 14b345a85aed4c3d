import { notFound } from "next/navigation";
import { DomainError } from "@/lib/errors";
import { findConnection } from "@/lib/connections";

/** The connection of this team, or the 404 page: another team's id looks exactly like a missing one. */
export async function findConnectionOr404(teamId: string, connectionId: string) {
  try {
    return await findConnection(teamId, connectionId);
  } catch (error) {
    if (error instanceof DomainError && error.status === 404) notFound();
    throw error;
  }
}
