// What a team is told about: changes of a connection's or an agent's health
// (lib/health) and what is about to expire. Emitted once per change, never per
// failed check; delivered to the team's channels (email, Slack, event
// webhooks) by lib/notifications/fan-out.ts, through the job engine so a
// delivery survives restarts and is retried.
import { defineJob } from "../jobs/engine";
import { fanOut } from "./fan-out";

// The types live apart from the job so that forms in the browser (and fan-out.ts) can import them.
import { teamEventSchema, type TeamEvent } from "./event-types";

export { TEAM_EVENT_TYPES, TEAM_EVENT_LABEL, teamEventSchema, type TeamEvent, type TeamEventType } from "./event-types";

const teamEventJob = defineJob<TeamEvent>({
  name: "team-event",
  queue: { retryLimit: 5, retryDelay: 10, retryBackoff: true },
  handler: async (event) => fanOut(teamEventSchema.parse(event)),
});

/** Queues the event for the team's channels. A repeated emit of the same event id is not delivered twice: each channel logs one delivery per event id. */
export async function emitTeamEvent(event: TeamEvent): Promise<void> {
  const parsed = teamEventSchema.parse(event);
  await teamEventJob.send(parsed);
}
