/**
 * Applies prisma/migrations without Prisma's native schema engine (which this
 * environment cannot download; see DESIGN.md, "Migrations without Prisma's
 * schema engine"). It reads the same folders and keeps `_prisma_migrations` in
 * the same layout as `prisma migrate deploy`, so either tool can take over a
 * database the other started.
 */
import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";

/** The key Prisma's own migrate uses, so this runner and `prisma migrate deploy` exclude each other. */
export const MIGRATION_LOCK_KEY = 72707369;
const MIGRATE_CONNECT_TIMEOUT_MS = 10_000;

const MIGRATION_FOLDER = /^\d{14}_[A-Za-z0-9_-]+$/;

export interface MigrationFile {
  /** Folder name, e.g. `20261122000000_foundation`; also the `migration_name` recorded. */
  name: string;
  sql: string;
  /** SHA-256 (hex) of the file's bytes, as Prisma records it. */
  checksum: string;
}

export interface MigrateOptions {
  /** Defaults to `prisma/migrations` under the current directory (npm scripts run at the repo root). */
  migrationsDir?: string;
  log?: (line: string) => void;
}

export interface MigrateResult {
  /** Names of the migrations this call applied, in order. */
  applied: string[];
  /** Migrations that were already recorded (including ones another process applied meanwhile). */
  alreadyApplied: number;
}

interface MigrationRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export function defaultMigrationsDir(): string {
  return path.join(process.cwd(), "prisma", "migrations");
}

export function checksumOf(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** The migration folders of `dir`, sorted by name (their timestamp prefix makes that chronological). */
export async function listMigrations(dir: string = defaultMigrationsDir()): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`Cannot read the migrations folder ${dir}: ${error.message}`);
  });
  const folders = entries
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("."))
    .map((entry) => entry.name)
    .sort();
  const migrations: MigrationFile[] = [];
  for (const name of folders) {
    // A misnamed folder would otherwise be applied out of order or silently skipped.
    if (!MIGRATION_FOLDER.test(name)) {
      throw new Error(`Migration folder "${name}" in ${dir} is not named <yyyymmddhhmmss>_<name>.`);
    }
    const file = path.join(dir, name, "migration.sql");
    const bytes = await readFile(file).catch((error: NodeJS.ErrnoException) => {
      throw new Error(`Migration ${name} has no readable migration.sql (${error.code ?? error.message}).`);
    });
    migrations.push({ name, sql: bytes.toString("utf8"), checksum: checksumOf(bytes) });
  }
  return migrations;
}

// Prisma's own DDL for the table, so `prisma migrate status` reads what we write.
const CREATE_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/**
 * Rows rolled back (by `prisma migrate resolve --rolled-back`) no longer count,
 * as in Prisma; anything else is either applied or failed.
 */
function checkRecorded(rows: MigrationRow[], files: Map<string, MigrationFile>): Set<string> {
  const applied = new Set<string>();
  for (const row of rows) {
    if (row.rolled_back_at !== null) continue;
    const name = row.migration_name;
    if (row.finished_at === null) {
      throw new Error(
        `Migration ${name} is recorded as started but never finished (a failed run by another tool left it). ` +
          `Check the database by hand, then mark it with \`prisma migrate resolve --rolled-back ${name}\` or --applied.`,
      );
    }
    const file = files.get(name);
    if (!file) {
      throw new Error(
        `The database records migration ${name}, but prisma/migrations has no folder for it. ` +
          `Restore the folder (or use a database that matches this code).`,
      );
    }
    if (file.checksum !== row.checksum) {
      throw new Error(
        `Migration ${name} was edited after it was applied (its checksum changed). ` +
          `Restore the original file and put the change in a new migration.`,
      );
    }
    applied.add(name);
  }
  return applied;
}

/** `at line N` for a Postgres error position (a character offset into the script). */
function describeSqlError(error: unknown, sql: string): string {
  if (!(error instanceof Error)) return String(error);
  const pgError = error as Error & { position?: string; detail?: string; hint?: string; code?: string };
  let message = pgError.message;
  const position = Number(pgError.position);
  if (Number.isInteger(position) && position > 0) {
    const line = sql.slice(0, position - 1).split("\n").length;
    message += ` (at line ${line} of migration.sql)`;
  }
  if (pgError.detail) message += `\nDetail: ${pgError.detail}`;
  if (pgError.hint) message += `\nHint: ${pgError.hint}`;
  return message;
}

/**
 * Applies every pending migration in order, each in its own transaction, and
 * records it in `_prisma_migrations`. Safe to run from several processes at
 * once: exactly one applies each migration, the others wait and skip it.
 */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const files = await listMigrations(options.migrationsDir ?? defaultMigrationsDir());
  const byName = new Map(files.map((file) => [file.name, file]));

  // A connect limit only: a migration may run long, and waits on another instance's lock as long as that one migrates.
  // (Not lib/config's setting: this runs before the app's configuration is read, in scripts and tests.)
  const client = new pg.Client({ connectionString: databaseUrl, application_name: "keyway-migrate", connectionTimeoutMillis: MIGRATE_CONNECT_TIMEOUT_MS });
  await client.connect();
  let locked = false;
  try {
    // Session lock: on a real server the second process waits here until the first is done.
    const tried = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock($1) AS ok", [MIGRATION_LOCK_KEY]);
    if (!tried.rows[0]?.ok) {
      log("Another process is applying migrations; waiting for it to finish…");
      await client.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK_KEY]);
    }
    locked = true;

    await client.query(CREATE_MIGRATIONS_TABLE);
    const recorded = await client.query<MigrationRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations" ORDER BY started_at, migration_name`,
    );
    const appliedBefore = checkRecorded(recorded.rows, byName);
    let alreadyApplied = appliedBefore.size;
    const applied: string[] = [];

    for (const file of files) {
      if (appliedBefore.has(file.name)) continue;
      const outcome = await applyOne(client, file);
      if (outcome === "applied-elsewhere") {
        alreadyApplied += 1;
        log(`${file.name} was applied by another process meanwhile`);
        continue;
      }
      applied.push(file.name);
      log(`Applied ${file.name} (${outcome.ms} ms)`);
    }
    return { applied, alreadyApplied };
  } finally {
    try {
      if (locked) await client.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK_KEY]);
    } finally {
      await client.end().catch(() => {});
    }
  }
}

async function applyOne(client: pg.Client, file: MigrationFile): Promise<{ ms: number } | "applied-elsewhere"> {
  const startedAt = new Date();
  await client.query("BEGIN");
  try {
    // Behind a transaction-mode pooler the session lock above may be held on
    // another server connection than this transaction's, so it excludes nobody;
    // the transaction-level lock does. Either way, only a re-check made after
    // the lock is taken can tell whether someone applied this meanwhile.
    await client.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK_KEY]);
    const existing = await client.query<MigrationRow>(
      `SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"
        WHERE migration_name = $1 AND rolled_back_at IS NULL`,
      [file.name],
    );
    if (existing.rows.length > 0) {
      checkRecorded(existing.rows, new Map([[file.name, file]]));
      await client.query("ROLLBACK");
      return "applied-elsewhere";
    }

    try {
      // No parameters: pg then uses the simple protocol, which accepts a multi-statement script.
      await client.query(file.sql);
    } catch (error) {
      throw new Error(`Migration ${file.name} failed and was rolled back: ${describeSqlError(error, file.sql)}`, {
        cause: error,
      });
    }

    await client.query(
      `INSERT INTO "_prisma_migrations"
         (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
       VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, $4, 1)`,
      [randomUUID(), file.checksum, file.name, startedAt],
    );
    await client.query("COMMIT");
    return { ms: Date.now() - startedAt.getTime() };
  } catch (error) {
    // Unlike Prisma (whose scripts run outside a transaction), a failure leaves
    // nothing behind, so nothing is recorded: fixing the file and re-running is
    // the whole recovery.
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

/** The connection string without its password, for messages that may end up in terminals and CI logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    // Anything else parses too ("user:secret@host" is a URL of scheme "user:"), password and all.
    if (parsed.protocol !== "postgresql:" && parsed.protocol !== "postgres:") throw new Error("not a Postgres URL");
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(DATABASE_URL is set but is not a postgresql:// URL)";
  }
}
