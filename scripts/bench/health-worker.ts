// One more Keyway instance for `npm run bench:health`: the job engine alone
// (no web server), as server.ts starts it, on the DATABASE_URL it is given.
import { startJobs, stopJobs } from "../../lib/jobs/all";

async function main() {
  await startJobs();
  console.log("ready");
  process.on("SIGTERM", () => {
    void stopJobs().finally(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
