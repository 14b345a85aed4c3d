// `prisma generate` needs no schema engine, but Prisma's CLI tries to download
// one before it starts; where that download cannot succeed (no internet), a
// stub satisfies the check. Migrations never use Prisma's engine (DESIGN.md).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

// Resolved, not looked up on PATH, so `node scripts/generate.mjs` works outside npm scripts too.
const prismaCli = createRequire(import.meta.url).resolve("prisma/build/index.js");

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(new URL("./no-schema-engine.sh", import.meta.url));
env.PRISMA_HIDE_UPDATE_MESSAGE = "1";
const result = spawnSync(process.execPath, [prismaCli, "generate"], { stdio: "inherit", env });
process.exit(result.status ?? 1);
