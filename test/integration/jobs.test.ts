// The job engine (lib/jobs/engine.ts) on a real Postgres: a job sent is run
// once, a job that fails is retried, and a job sent before the workers start
// is run when they do (it is kept in the database, not in memory).
import { afterAll, beforeAll, expect, test } from "vitest";
import { migratedDatabase, type TestDatabase } from "../support/db";
import { TIME_SCALE } from "../support/time-scale";

let database: TestDatabase;
let engine: typeof import("@/lib/jobs/engine");

beforeAll(async () => {
  database = await migratedDatabase("jobs");
  process.env.DATABASE_URL = database.url;
  engine = await import("@/lib/jobs/engine");
});

afterAll(async () => {
  await engine?.stopJobs();
  await database?.drop();
});

async function until(condition: () => boolean, what: string) {
  const deadline = Date.now() + 30_000 * TIME_SCALE;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test("jobs sent before the workers start run once each; a failing job is retried", async () => {
  const seen: string[] = [];
  let attempts = 0;
  const echo = engine.defineJob<{ word: string }>({ name: "test-echo", handler: async ({ word }) => void seen.push(word), batchSize: 5 });
  const flaky = engine.defineJob<{ failTimes: number }>({
    name: "test-flaky",
    queue: { retryLimit: 3, retryDelay: 1 },
    handler: async ({ failTimes }) => {
      attempts += 1;
      if (attempts <= failTimes) throw new Error(`attempt ${attempts} fails on purpose`);
    },
  });

  // Sent through the send-only engine: nothing works on them yet.
  for (const word of ["a", "b", "c"]) await echo.send({ word });
  await flaky.send({ failTimes: 2 });
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(seen).toEqual([]);

  await engine.startJobs({ pollingIntervalSeconds: 0.5 });
  await until(() => seen.length === 3 && attempts === 3, "three echoes and a third attempt");
  expect(seen.sort()).toEqual(["a", "b", "c"]);

  // Nothing runs twice.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  expect(seen).toHaveLength(3);
  expect(attempts).toBe(3);
});
