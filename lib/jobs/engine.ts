// Scheduled and retried work on Postgres (pg-boss): a job runs once whatever
// the number of instances, survives restarts, and is retried with back-off.
// Not timers in one process: two instances would each fire them, and a
// restart would forget them.
//
// A feature declares its jobs with defineJob() at module load and adds its
// module to lib/jobs/all.ts; server.ts starts the engine (startJobs) once
// Next is ready, and stops it on shutdown. Sending works from any code of the
// process (server actions included), before or without startJobs: the engine
// lives on globalThis because Next's bundle and server.ts load this module
// separately.
import PgBoss from "pg-boss";
import { config } from "../config";
import { createPool, registerPool } from "../db/pool";
import { errorText, log } from "../log";

export type JobQueueOptions = Pick<PgBoss.Queue, "retryLimit" | "retryDelay" | "retryBackoff" | "expireInSeconds" | "policy" | "deadLetter">;

export type JobDefinition<T extends object> = {
  name: string;
  handler: (data: T, job: PgBoss.Job<T>) => Promise<void>;
  queue?: JobQueueOptions;
  /** Cron (UTC, minute resolution): pg-boss sends one job per tick across all instances. */
  cron?: string;
  /** Jobs fetched per poll; each is handled on its own, in parallel. */
  batchSize?: number;
};

export type JobHandle<T extends object> = {
  name: string;
  send(data: T, options?: PgBoss.SendOptions): Promise<string | null>;
};

type EngineState = {
  keywayJobDefinitions?: Map<string, JobDefinition<object>>;
  keywayJobEngine?: { boss: PgBoss; working: boolean; ready: Promise<void> };
};
const state = globalThis as unknown as EngineState;
const definitions = (state.keywayJobDefinitions ??= new Map());

export function defineJob<T extends object>(definition: JobDefinition<T>): JobHandle<T> {
  definitions.set(definition.name, definition as unknown as JobDefinition<object>);
  return {
    name: definition.name,
    send: async (data, options) => {
      const engine = await producer();
      return engine.send(definition.name, data, { ...definition.queue, ...options });
    },
  };
}

export type StartJobsOptions = {
  databaseUrl?: string;
  /** How often an idle worker asks for work (pg-boss's minimum is 0.5 s). */
  pollingIntervalSeconds?: number;
};

function newBoss(databaseUrl: string, supervise: boolean): PgBoss {
  // Its own small pool with Keyway's connect, acquire and statement limits, shown in the metrics.
  const jobsPool = createPool(databaseUrl, 4);
  jobsPool.on("error", (error) => log.warn({ error: error.message }, "job engine database connection lost"));
  registerPool("jobs", jobsPool);
  const boss = new PgBoss({
    db: { executeSql: (text, values) => jobsPool.query(text, values) },
    schema: "pgboss",
    supervise,
    schedule: supervise,
    migrate: true,
  });
  boss.on("error", (error) => log.warn({ error: errorText(error) }, "job engine error"));
  const stop = boss.stop.bind(boss);
  boss.stop = async (options) => {
    await stop({ graceful: true, wait: true, ...options });
    await jobsPool.end().catch(() => undefined);
  };
  return boss;
}

async function ensureQueues(boss: PgBoss): Promise<void> {
  for (const definition of definitions.values()) {
    const existing = await boss.getQueue(definition.name);
    if (existing) await boss.updateQueue(definition.name, { name: definition.name, ...definition.queue });
    else await boss.createQueue(definition.name, { name: definition.name, ...definition.queue });
  }
}

/** A started engine that only sends (no workers, no schedules), for code that runs before or without startJobs. */
async function producer(): Promise<PgBoss> {
  if (!state.keywayJobEngine) {
    const url = config().DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set");
    const boss = newBoss(url, false);
    const ready = boss.start().then(() => ensureQueues(boss));
    state.keywayJobEngine = { boss, working: false, ready };
    ready.catch(() => {
      if (state.keywayJobEngine?.boss === boss) state.keywayJobEngine = undefined;
    });
  }
  await state.keywayJobEngine.ready;
  return state.keywayJobEngine.boss;
}

/** Starts workers for every defined job and their schedules. Idempotent. */
export async function startJobs(options: StartJobsOptions = {}): Promise<void> {
  if (state.keywayJobEngine?.working) return state.keywayJobEngine.ready;
  if (state.keywayJobEngine) await stopJobs();
  const url = options.databaseUrl ?? config().DATABASE_URL;
  if (!url) throw new Error("DATABASE_URL is not set");
  const boss = newBoss(url, true);
  const ready = (async () => {
    await boss.start();
    await ensureQueues(boss);
    for (const definition of definitions.values()) {
      await boss.work<object>(
        definition.name,
        { batchSize: definition.batchSize ?? 1, pollingIntervalSeconds: options.pollingIntervalSeconds ?? 2 },
        // pg-boss fails the whole batch when this throws; each job is settled on its own instead.
        async (jobs) => {
          await Promise.all(
            jobs.map(async (job) => {
              try {
                await definition.handler(job.data, job);
                await boss.complete(definition.name, job.id);
              } catch (error) {
                log.warn({ job: definition.name, error: errorText(error) }, "job failed; pg-boss retries it");
                await boss.fail(definition.name, job.id, { message: errorText(error) });
              }
            }),
          );
        },
      );
      if (definition.cron) await boss.schedule(definition.name, definition.cron, {}, { tz: "UTC" });
      else await boss.unschedule(definition.name).catch(() => undefined);
    }
  })();
  state.keywayJobEngine = { boss, working: true, ready };
  try {
    await ready;
  } catch (error) {
    if (state.keywayJobEngine?.boss === boss) state.keywayJobEngine = undefined;
    await boss.stop({ graceful: false }).catch(() => undefined);
    throw error;
  }
}

export async function stopJobs(): Promise<void> {
  const engine = state.keywayJobEngine;
  state.keywayJobEngine = undefined;
  if (!engine) return;
  await engine.ready.catch(() => undefined);
  await engine.boss.stop();
}
