import { db } from "../db";
import { log } from "../log";
import { deliverToChannels } from "./deliver";
import type { TeamEvent } from "./event-types";

/** Hands one team event to each of the team's channels that subscribed to its type (each delivery is its own job). */
export async function fanOut(event: TeamEvent): Promise<void> {
  const channels = await db.notificationChannel.findMany({ where: { teamId: event.teamId, eventTypes: { has: event.type } }, select: { id: true, teamId: true, digest: true } });
  log.info({ teamId: event.teamId, type: event.type, subject: event.subject.kind, channels: channels.length }, "team event");
  if (channels.length === 0) return;
  const { teamId: _teamId, ...payload } = event;
  await deliverToChannels(channels, payload);
}
