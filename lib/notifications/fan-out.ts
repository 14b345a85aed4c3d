import { log } from "../log";
import type { TeamEvent } from "./events";

/** Hands one team event to each of the team's channels that subscribed to its type. */
export async function fanOut(event: TeamEvent): Promise<void> {
  // Until a team has channels, an event is only logged.
  log.info({ teamId: event.teamId, type: event.type, subject: event.subject.kind }, "team event");
}
