// `npm run screenshots [-- <playwright args>]`: e2e/screenshots.shots.ts (every
// page in light and dark at 1280 and 390 px, each scanned by axe) on a fresh
// clone with nothing in the environment, as `npm test` runs the browser tests:
// the production build (made first unless .next holds a build of exactly this
// code) against a throwaway migrated database (on the DATABASE_URL server, or
// an embedded PostgreSQL). The PNGs and axe.json go to screenshots/ (git-ignored)
// or KEYWAY_SCREENSHOTS_DIR. Not part of `npm test`: it takes long and its
// output is pictures for a person to look at.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { rebuildReason } from "./build-stamp";
import { e2eDatabase } from "./e2e-database";

const root = process.cwd();
let running: ReturnType<typeof spawn> | undefined;
process.on("SIGINT", () => {}); // Ctrl-C reaches the tool too; stay to remove the database.
process.on("SIGTERM", () => running?.kill("SIGTERM"));

function tool(bin: string, args: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  console.log(`$ ${bin} ${args.join(" ")}`);
  return new Promise((resolve) => {
    running = spawn(path.join(root, "node_modules", ".bin", bin), args, { stdio: "inherit", env, shell: process.platform === "win32" });
    running.on("error", () => resolve(false));
    running.on("close", (code) => resolve(code === 0));
  });
}

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const result: NodeJS.ProcessEnv = { NEXT_TELEMETRY_DISABLED: "1", ...process.env, ...extra };
  if (!("DATABASE_URL" in extra)) delete result.DATABASE_URL;
  return result;
}

async function main(): Promise<number> {
  const why = rebuildReason(root);
  if (why) {
    console.log(`${why}: building.`);
    if (!(await tool("tsx", ["scripts/build.ts"], env()))) return 1;
  }
  const database = await e2eDatabase(process.env.DATABASE_URL, "keyway_shots");
  try {
    const ok = await tool(
      "playwright",
      ["test", "-c", "playwright.screenshots.config.ts", ...process.argv.slice(2)],
      env({
        DATABASE_URL: database.url,
        AUTH_SECRET: process.env.AUTH_SECRET ?? randomBytes(32).toString("base64url"),
        KEYWAY_PUBLIC_URL: `http://127.0.0.1:${process.env.KEYWAY_E2E_PORT ?? 3100}`,
        NODE_ENV: "production",
      }),
    );
    return ok ? 0 : 1;
  } finally {
    await database.dispose().catch((error: unknown) => console.error("Could not remove the screenshots database:", error));
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
