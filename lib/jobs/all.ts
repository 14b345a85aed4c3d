// Every module that defines jobs (lib/jobs/engine.ts, defineJob), so that the
// engine server.ts starts knows all of them before it starts its workers.
// A feature with jobs adds its module here.
import "../notifications/events";
import "../notifications/deliver";
import "../notifications/invitation-mail";
import "../health/jobs";
import "../agents/presence-notices";

export { startJobs, stopJobs } from "./engine";
