import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { TIME_SCALE } from "./test/support/time-scale";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  resolve: { alias: { "@": root } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          testTimeout: 5_000 * TIME_SCALE,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          // Without KEYWAY_TEST_PG_URL: one embedded PostgreSQL server for the run.
          globalSetup: ["test/support/embedded-postgres-setup.ts"],
          // Each file starts a database (and some spawn processes) on a 2-core machine;
          // in parallel they starve each other into timeouts.
          fileParallelism: false,
          testTimeout: 60_000 * TIME_SCALE,
          hookTimeout: 60_000 * TIME_SCALE,
        },
      },
    ],
  },
});
