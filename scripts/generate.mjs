// `prisma generate` needs no schema engine, but Prisma's CLI tries to download
// one before it starts; where that download cannot succeed (no internet), a
// stub satisfies the check. Migrations never use Prisma's engine (DESIGN.md).
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const env = { ...process.env };
env.PRISMA_SCHEMA_ENGINE_BINARY ??= fileURLToPath(new URL("./no-schema-engine.sh", import.meta.url));
env.PRISMA_HIDE_UPDATE_MESSAGE = "1";
const result = spawnSync("prisma", ["generate"], { stdio: "inherit", env, shell: process.platform === "win32" });
process.exit(result.status ?? 1);
