import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile, mkdir, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { listMigrations, migrate } from "@/lib/migrations";
import { freshDatabase, migratedDatabase, type TestDatabase } from "../support/db";

const repoRoot = path.resolve(import.meta.dirname, "../..");

const databases: TestDatabase[] = [];
const tempDirs: string[] = [];

async function database(label: string, migrated = false): Promise<TestDatabase> {
  const db = migrated ? await migratedDatabase(label) : await freshDatabase(label);
  databases.push(db);
  return db;
}

/** A migrations folder of our own, so these cases never depend on (or touch) prisma/migrations. */
async function migrationsDir(migrations: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "keyway-migrations-"));
  tempDirs.push(dir);
  for (const [name, sql] of Object.entries(migrations)) {
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, "migration.sql"), sql);
  }
  return dir;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

// Each case's databases are dropped as soon as it is done.
afterEach(async () => {
  await Promise.all(databases.splice(0).map((db) => db.drop()));
});
afterAll(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("migrate", () => {
  it("applies prisma/migrations once, records them as Prisma does, and applies nothing the second time", async () => {
    const db = await database("twice");
    const files = await listMigrations();
    expect(files.length).toBeGreaterThan(0);

    const first = await migrate(db.url);
    expect(first).toEqual({ applied: files.map((f) => f.name), alreadyApplied: 0 });
    const second = await migrate(db.url);
    expect(second).toEqual({ applied: [], alreadyApplied: files.length });

    const rows = await query<{
      id: string;
      checksum: string;
      migration_name: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
      started_at: Date;
      applied_steps_count: number;
      logs: string | null;
    }>(db.url, `SELECT * FROM "_prisma_migrations" ORDER BY migration_name`);
    expect(rows.map((r) => r.migration_name)).toEqual(files.map((f) => f.name));
    for (const [i, row] of rows.entries()) {
      const bytes = await readFile(path.join(repoRoot, "prisma/migrations", row.migration_name, "migration.sql"));
      expect(row.checksum).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(row.checksum).toBe(files[i]?.checksum);
      expect(row.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row.rolled_back_at).toBeNull();
      expect(row.applied_steps_count).toBe(1);
      expect(row.logs).toBeNull();
    }

    // Prisma's exact column layout, so `prisma migrate status` can read the table.
    const columns = await query<{ column_name: string; data_type: string; is_nullable: string; len: number | null }>(
      db.url,
      `SELECT column_name, data_type, is_nullable, character_maximum_length AS len
         FROM information_schema.columns WHERE table_name = '_prisma_migrations' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: "id", data_type: "character varying", is_nullable: "NO", len: 36 },
      { column_name: "checksum", data_type: "character varying", is_nullable: "NO", len: 64 },
      { column_name: "finished_at", data_type: "timestamp with time zone", is_nullable: "YES", len: null },
      { column_name: "migration_name", data_type: "character varying", is_nullable: "NO", len: 255 },
      { column_name: "logs", data_type: "text", is_nullable: "YES", len: null },
      { column_name: "rolled_back_at", data_type: "timestamp with time zone", is_nullable: "YES", len: null },
      { column_name: "started_at", data_type: "timestamp with time zone", is_nullable: "NO", len: null },
      { column_name: "applied_steps_count", data_type: "integer", is_nullable: "NO", len: null },
    ]);
  });

  it("applies each migration exactly once when two processes start at the same moment", async () => {
    const db = await database("race");
    // Plain CREATE TABLE and INSERT: a second application would fail or double the rows.
    const dir = await migrationsDir({
      "20990101000001_log": `CREATE TABLE "run_log" ("name" TEXT NOT NULL);\nSELECT pg_sleep(1);\nINSERT INTO "run_log" VALUES ('log');`,
      "20990101000002_one": `CREATE TABLE "one" ("id" INTEGER);\nINSERT INTO "run_log" VALUES ('one');`,
      "20990101000003_slow": `SELECT pg_sleep(1);\nCREATE TABLE "slow" ("id" INTEGER);\nINSERT INTO "run_log" VALUES ('slow');`,
      "20990101000004_three": `ALTER TABLE "one" ADD COLUMN "note" TEXT;\nINSERT INTO "run_log" VALUES ('three');`,
    });

    const run = () =>
      new Promise<{ code: number | null; out: string }>((resolve, reject) => {
        const child = spawn(process.execPath, ["--import", "tsx", "scripts/migrate.ts", "--dir", dir], {
          cwd: repoRoot,
          env: { ...process.env, DATABASE_URL: db.url },
          stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (chunk) => (out += chunk));
        child.stderr.on("data", (chunk) => (out += chunk));
        child.on("error", reject);
        child.on("exit", (code) => resolve({ code, out }));
      });
    const results = await Promise.all([run(), run()]);

    for (const result of results) expect(result.code, result.out).toBe(0);
    const appliedLines = results.flatMap((r) => r.out.split("\n").filter((line) => line.startsWith("Applied 2099")));
    expect(appliedLines).toHaveLength(4);

    const recorded = await query<{ migration_name: string; n: number }>(
      db.url,
      `SELECT migration_name, count(*)::int AS n FROM "_prisma_migrations" WHERE finished_at IS NOT NULL GROUP BY 1 ORDER BY 1`,
    );
    expect(recorded).toEqual([
      { migration_name: "20990101000001_log", n: 1 },
      { migration_name: "20990101000002_one", n: 1 },
      { migration_name: "20990101000003_slow", n: 1 },
      { migration_name: "20990101000004_three", n: 1 },
    ]);
    const log = await query<{ name: string; n: number }>(db.url, `SELECT name, count(*)::int AS n FROM "run_log" GROUP BY 1 ORDER BY 1`);
    expect(log).toEqual([
      { name: "log", n: 1 },
      { name: "one", n: 1 },
      { name: "slow", n: 1 },
      { name: "three", n: 1 },
    ]);
  });

  it("refuses a migration edited after it was applied", async () => {
    const db = await database("edited");
    const dir = await migrationsDir({
      "20990101000001_first": `CREATE TABLE "first" ("id" INTEGER);`,
      "20990101000002_second": `CREATE TABLE "second" ("id" INTEGER);`,
    });
    await migrate(db.url, { migrationsDir: dir });
    await appendFile(path.join(dir, "20990101000001_first", "migration.sql"), `\nALTER TABLE "first" ADD COLUMN "x" TEXT;`);
    // A pending migration must not be applied either when the history is inconsistent.
    await mkdir(path.join(dir, "20990101000003_third"));
    await writeFile(path.join(dir, "20990101000003_third", "migration.sql"), `CREATE TABLE "third" ("id" INTEGER);`);

    await expect(migrate(db.url, { migrationsDir: dir })).rejects.toThrow(
      /Migration 20990101000001_first was edited after it was applied/,
    );
    const third = await query(db.url, `SELECT to_regclass('"third"') AS t`);
    expect(third).toEqual([{ t: null }]);
  });

  it("refuses when the database records a migration that has no folder", async () => {
    const db = await database("missing");
    const dir = await migrationsDir({
      "20990101000001_first": `CREATE TABLE "first" ("id" INTEGER);`,
      "20990101000002_gone": `CREATE TABLE "gone" ("id" INTEGER);`,
    });
    await migrate(db.url, { migrationsDir: dir });
    await rm(path.join(dir, "20990101000002_gone"), { recursive: true });
    await expect(migrate(db.url, { migrationsDir: dir })).rejects.toThrow(/records migration 20990101000002_gone.*no folder/);
  });

  it("refuses when a recorded migration failed (started, never finished)", async () => {
    const db = await database("unfinished");
    const dir = await migrationsDir({ "20990101000001_first": `CREATE TABLE "first" ("id" INTEGER);` });
    await migrate(db.url, { migrationsDir: dir });
    // What `prisma migrate deploy` leaves behind when a migration fails halfway.
    await query(
      db.url,
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, logs, started_at, applied_steps_count)
       VALUES (gen_random_uuid()::text, repeat('0', 64), '20990101000002_half', 'boom', now(), 0)`,
    );
    await mkdir(path.join(dir, "20990101000002_half"));
    await writeFile(path.join(dir, "20990101000002_half", "migration.sql"), `CREATE TABLE "half" ("id" INTEGER);`);
    await expect(migrate(db.url, { migrationsDir: dir })).rejects.toThrow(/Migration 20990101000002_half is recorded as started but never finished/);
  });

  it("rolls back a failing migration, records nothing for it, and applies it once fixed", async () => {
    const db = await database("failing");
    const dir = await migrationsDir({
      "20990101000001_good": `CREATE TABLE "good" ("id" INTEGER);`,
      "20990101000002_bad": `CREATE TABLE "half_done" ("id" INTEGER);\nINSERT INTO "half_done" VALUES (1);\nSELECT * FROM "no_such_table";`,
      "20990101000003_after": `CREATE TABLE "after" ("id" INTEGER);`,
    });

    const failure = migrate(db.url, { migrationsDir: dir });
    await expect(failure).rejects.toThrow(/Migration 20990101000002_bad failed and was rolled back: relation "no_such_table" does not exist \(at line 3/);

    const recorded = await query<{ migration_name: string; finished: boolean }>(
      db.url,
      `SELECT migration_name, finished_at IS NOT NULL AS finished FROM "_prisma_migrations" ORDER BY 1`,
    );
    expect(recorded).toEqual([{ migration_name: "20990101000001_good", finished: true }]);
    const tables = await query<{ half_done: string | null; after: string | null; good: string | null }>(
      db.url,
      `SELECT to_regclass('"half_done"')::text AS half_done, to_regclass('"after"')::text AS after, to_regclass('"good"')::text AS good`,
    );
    expect(tables).toEqual([{ half_done: null, after: null, good: "good" }]);

    await writeFile(path.join(dir, "20990101000002_bad", "migration.sql"), `CREATE TABLE "half_done" ("id" INTEGER);`);
    expect(await migrate(db.url, { migrationsDir: dir })).toEqual({
      applied: ["20990101000002_bad", "20990101000003_after"],
      alreadyApplied: 1,
    });
  });

  it("the CLI explains a missing DATABASE_URL", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.DATABASE_URL;
    const result = await new Promise<{ code: number | null; err: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", "scripts/migrate.ts"], { cwd: repoRoot, env, stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      child.stderr.on("data", (chunk) => (err += chunk));
      child.on("error", reject);
      child.on("exit", (code) => resolve({ code, err }));
    });
    expect(result.code).not.toBe(0);
    expect(result.err).toContain("DATABASE_URL is not set");
  });
});

describe("the audit log", () => {
  it("is append-only: INSERT works, UPDATE, DELETE and TRUNCATE are refused", async () => {
    const db = await database("audit", true);
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const inserted = await client.query<{ id: string }>(
        `INSERT INTO "AuditEvent" ("teamId", "actorLabel", "action", "objectType") VALUES ('team_1', 'a@example.test', 'team.create', 'team') RETURNING id`,
      );
      expect(inserted.rowCount).toBe(1);
      await expect(client.query(`UPDATE "AuditEvent" SET "action" = 'rewritten'`)).rejects.toThrow(/append-only: UPDATE/);
      await expect(client.query(`DELETE FROM "AuditEvent"`)).rejects.toThrow(/append-only: DELETE/);
      await expect(client.query(`TRUNCATE "AuditEvent"`)).rejects.toThrow(/append-only: TRUNCATE/);
      const rows = await client.query<{ action: string }>(`SELECT "action" FROM "AuditEvent"`);
      expect(rows.rows).toEqual([{ action: "team.create" }]);
    } finally {
      await client.end();
    }
  });
});
