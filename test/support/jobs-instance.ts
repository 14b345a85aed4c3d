// A second Keyway instance for the tests, as far as the job engine goes: its
// own process with every job's worker and schedule (lib/jobs/all.ts) against
// the DATABASE_URL it is given. With ANNOUNCE_EVERY_MS it also looks for agent
// presence changes on a timer of its own, as an uncoordinated extra sweeper
// would, to show that only the conditional UPDATE decides who announces.
// Prints "ready" once working; stops cleanly on SIGTERM.
import { startJobs, stopJobs } from "../../lib/jobs/all";

async function main() {
  await startJobs({ pollingIntervalSeconds: 0.5 });
  const every = Number(process.env.ANNOUNCE_EVERY_MS ?? 0);
  const announce = every > 0 ? (await import("../../lib/agents/presence-notices")).announcePresenceChanges : null;
  const timer = announce ? setInterval(() => void announce().catch(() => undefined), every) : undefined;
  console.log("ready");
  process.on("SIGTERM", () => {
    if (timer) clearInterval(timer);
    void stopJobs().finally(() => process.exit(0));
  });
}

void main();
