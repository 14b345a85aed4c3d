// `npm run db:migrate [-- --dir <path>]`: applies pending migrations to
// DATABASE_URL. The work is in lib/migrations.ts, which `npm start` also uses.
import path from "node:path";
import { parseArgs } from "node:util";
import { defaultMigrationsDir, migrate, redactDatabaseUrl } from "../lib/migrations";

async function main(): Promise<number> {
  let values: { dir?: string };
  try {
    ({ values } = parseArgs({ options: { dir: { type: "string" } }, strict: true }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : String(error)}\nUsage: tsx scripts/migrate.ts [--dir <migrations folder>]`);
    return 2;
  }
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error(
      "DATABASE_URL is not set. Set it to the Postgres database to migrate, e.g.\n" +
        "  DATABASE_URL=postgresql://user:password@localhost:5432/keyway npm run db:migrate\n" +
        "(`npm start` without DATABASE_URL migrates its embedded database by itself.)",
    );
    return 2;
  }
  const migrationsDir = values.dir ? path.resolve(values.dir) : defaultMigrationsDir();
  const shownDir = path.relative(process.cwd(), migrationsDir);
  console.log(`Migrating ${redactDatabaseUrl(databaseUrl)} from ${shownDir.startsWith("..") ? migrationsDir : shownDir || "."}`);
  const { applied, alreadyApplied } = await migrate(databaseUrl, { migrationsDir, log: (line) => console.log(line) });
  console.log(
    applied.length === 0
      ? `Database is up to date (${alreadyApplied} migration${alreadyApplied === 1 ? "" : "s"} already applied).`
      : `Applied ${applied.length} migration${applied.length === 1 ? "" : "s"}; ${alreadyApplied} already applied.`,
  );
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
