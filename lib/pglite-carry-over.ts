/**
 * Keyway's embedded database used to be PGlite (data in .data/pglite). The
 * first start on the embedded PostgreSQL server carries that data over, once:
 * PGlite's own pg_dump (@electric-sql/pglite-tools, a WASM build of pg_dump
 * that reads a PGlite in process) writes the schema and rows as plain SQL,
 * which is restored in one transaction into the new, still empty database,
 * and every table's row count is compared before it commits. The PGlite
 * directory is then renamed, never deleted, so nothing is lost if anything was
 * missed. PGlite is loaded only here, and only when there is such a directory.
 */
import { existsSync, readFileSync, renameSync } from "node:fs";
import path from "node:path";
import pg from "pg";

export interface CarryOverResult {
  /** Rows copied, per table of the public schema. */
  rows: Record<string, number>;
  /** Where the PGlite directory now is. */
  keptAt: string;
}

export async function carryOverPglite(options: {
  pgliteDir: string;
  targetUrl: string;
  log?: (line: string) => void;
}): Promise<CarryOverResult | undefined> {
  const { pgliteDir, targetUrl } = options;
  const log = options.log ?? (() => {});
  if (!existsSync(path.join(pgliteDir, "PG_VERSION"))) return undefined;
  refuseIfInUse(pgliteDir);

  const target = new pg.Client({ connectionString: targetUrl });
  await target.connect();
  try {
    const { rows: existing } = await target.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = 'public'",
    );
    if (existing[0]!.n > 0) {
      throw new Error(
        `${pgliteDir} holds the data of an earlier Keyway (PGlite), but the database it would go to already has tables, ` +
          "so it is not merged in. To carry it over, stop Keyway, move .data/postgres aside and start again; " +
          `if you do not need it, delete ${pgliteDir}.`,
      );
    }

    log(`Carrying the data in ${pgliteDir} (PGlite, the earlier embedded database) over to PostgreSQL, once…`);
    const { dump, counts } = await dumpPglite(pgliteDir);
    await target.query("BEGIN");
    try {
      await target.query(withoutUnknownSettings(dump, await settingNames(target)));
      const copied = await rowCounts(target);
      const missing = Object.entries(counts).filter(([table, n]) => copied[table] !== n);
      if (missing.length > 0) {
        throw new Error(`row counts differ after the restore: ${missing.map(([t, n]) => `${t} ${copied[t] ?? "missing"} of ${n}`).join(", ")}`);
      }
      await target.query("COMMIT");
    } catch (error) {
      await target.query("ROLLBACK").catch(() => {});
      throw new Error(
        `Could not carry ${pgliteDir} over to PostgreSQL (nothing was changed; it stays where it is): ${error instanceof Error ? error.message : error}`,
        { cause: error },
      );
    }
    const keptAt = `${pgliteDir}.carried-over`;
    renameSync(pgliteDir, keptAt);
    return { rows: counts, keptAt };
  } finally {
    await target.end().catch(() => {});
  }
}

async function settingNames(client: pg.Client): Promise<Set<string>> {
  const { rows } = await client.query<{ name: string }>("SELECT name FROM pg_catalog.pg_settings");
  return new Set(rows.map((row) => row.name));
}

/**
 * PGlite's pg_dump (PostgreSQL 17) starts with SETs an older server does not
 * know (transaction_timeout), and one unknown SET fails the whole restore: a
 * session setting the target lacks has nothing to restore, so it is left out.
 */
function withoutUnknownSettings(dump: string, known: Set<string>): string {
  return dump.replace(/^SET (\w+) = [^\n]*;$/gm, (line, name: string) => (known.has(name) ? line : ""));
}

/** An earlier Keyway still running on the directory writes it; reading it meanwhile could copy a torn state. */
function refuseIfInUse(pgliteDir: string) {
  const lockFile = path.join(path.dirname(pgliteDir), "pglite.pid");
  let pid: number;
  try {
    pid = Number(readFileSync(lockFile, "utf8"));
  } catch {
    return;
  }
  let alive = false;
  try {
    process.kill(pid, 0);
    alive = pid !== process.pid;
  } catch (error) {
    alive = (error as NodeJS.ErrnoException).code === "EPERM";
  }
  if (alive) throw new Error(`An earlier Keyway (process ${pid}) is still running on ${pgliteDir}; stop it, then start again.`);
}

async function dumpPglite(pgliteDir: string): Promise<{ dump: string; counts: Record<string, number> }> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { pgDump } = await import("@electric-sql/pglite-tools/pg_dump");
  const source = await PGlite.create(pgliteDir);
  try {
    // pgDump adds --inserts: plain INSERT statements, which one simple-protocol query can run.
    const file = await pgDump({ pg: source, args: ["--no-owner", "--no-privileges"] });
    const counts = await rowCounts(source);
    // Lines starting with a backslash are psql meta-commands (pg_dump 18 writes \restrict), not SQL.
    const dump = (await file.text())
      .split("\n")
      .filter((line) => !line.startsWith("\\"))
      .join("\n");
    return { dump, counts };
  } finally {
    await source.close();
  }
}

/** PGlite and pg clients both answer `query(sql)` with `{ rows }`. */
async function rowCounts(db: { query(sql: string): Promise<{ rows: unknown[] }> }): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const tables = (await db.query("SELECT tablename AS name FROM pg_catalog.pg_tables WHERE schemaname = 'public'")).rows as { name: string }[];
  for (const { name } of tables) {
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM public."${name.replaceAll('"', '""')}"`);
    counts[name] = (rows[0] as { n: number }).n;
  }
  return counts;
}
