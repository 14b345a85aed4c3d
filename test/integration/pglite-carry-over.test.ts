// The data of the earlier embedded database (PGlite in .data/pglite) reaches
// the embedded PostgreSQL server once, nothing lost. The PGlite directory is
// made the way earlier Keyways made it: PGlite behind pglite-socket, migrated
// by lib/migrations, rows written over the Postgres protocol.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { decryptJson, encryptJson, parseKeyring } from "@/lib/crypto";
import { listMigrations, migrate } from "@/lib/migrations";
import { carryOverPglite } from "@/lib/pglite-carry-over";
import { freshDatabase, migratedDatabase, type TestDatabase } from "../support/db";

const keyring = parseKeyring(`k1:${randomBytes(32).toString("base64")}`);
const secrets = { headerValue: "sk_live_carried_over" };
const databases: TestDatabase[] = [];
const tempDirs: string[] = [];

afterAll(async () => {
  await Promise.all(databases.splice(0).map((db) => db.drop()));
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A .data directory holding a migrated PGlite with two users, a team and a connection with an encrypted secret. */
async function dataDirWithPglite(): Promise<string> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "keyway-carry-over-"));
  tempDirs.push(dataDir);
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const db = await PGlite.create(path.join(dataDir, "pglite"));
  const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0 });
  await server.start();
  try {
    const url = `postgresql://postgres@${server.getServerConn()}/postgres`;
    await migrate(url);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`INSERT INTO "User" (id, email, name, "passwordHash", "updatedAt") VALUES
        ('u1', 'ann@example.com', 'Ann O''Neil', '$argon2id$fake', now()), ('u2', 'bob@example.com', 'Bob', NULL, now())`);
      await client.query(`INSERT INTO "Team" (id, slug, name, "updatedAt") VALUES ('t1', 'ann', 'Ann''s team', now())`);
      await client.query(`INSERT INTO "Membership" (id, "teamId", "userId", role, "updatedAt") VALUES ('m1', 't1', 'u1', 'ADMIN', now())`);
      await client.query(
        `INSERT INTO "Connection" (id, "teamId", name, "baseUrl", "authType", config, secrets, "webhookToken", "updatedAt")
         VALUES ('c1', 't1', 'Billing API', 'https://billing.example.com', 'HEADER', $1, $2, 'hook-token-1', now())`,
        [{ headerName: "X-Api-Key" }, encryptJson(secrets, "c1", keyring)],
      );
    } finally {
      await client.end();
    }
  } finally {
    await server.stop();
    await db.close();
  }
  return dataDir;
}

// PGlite is slow to start on a loaded machine, and the dump runs pg_dump in WASM.
describe("carrying .data/pglite over to PostgreSQL", { timeout: 240_000 }, () => {
  it("copies every row once, keeps the migration history, and the secret still decrypts", async () => {
    const dataDir = await dataDirWithPglite();
    const pgliteDir = path.join(dataDir, "pglite");
    const target = await freshDatabase("carry_over");
    databases.push(target);

    const result = await carryOverPglite({ pgliteDir, targetUrl: target.url });
    expect(result?.rows).toMatchObject({ User: 2, Team: 1, Membership: 1, Connection: 1 });
    expect(result?.keptAt).toBe(`${pgliteDir}.carried-over`);
    expect(existsSync(pgliteDir)).toBe(false);
    expect(existsSync(path.join(result!.keptAt, "PG_VERSION"))).toBe(true);

    // The history came along: the start's migrate applies nothing twice.
    expect(await migrate(target.url)).toEqual({ applied: [], alreadyApplied: (await listMigrations()).length });

    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      const users = await client.query(`SELECT id, email, name, "passwordHash" FROM "User" ORDER BY id`);
      expect(users.rows).toEqual([
        { id: "u1", email: "ann@example.com", name: "Ann O'Neil", passwordHash: "$argon2id$fake" },
        { id: "u2", email: "bob@example.com", name: "Bob", passwordHash: null },
      ]);
      const connection = await client.query(`SELECT "teamId", config, secrets, "webhookToken" FROM "Connection" WHERE id = 'c1'`);
      expect(connection.rows[0]).toMatchObject({ teamId: "t1", config: { headerName: "X-Api-Key" }, webhookToken: "hook-token-1" });
      expect(decryptJson(connection.rows[0].secrets, "c1", keyring)).toEqual(secrets);
      // The schema came along whole, defaults and foreign keys included.
      await client.query(`INSERT INTO "Team" (id, slug, name, "updatedAt") VALUES ('t2', 'new', 'New', now())`);
      await expect(client.query(`INSERT INTO "Membership" (id, "teamId", "userId", role, "updatedAt") VALUES ('m2', 'nope', 'u1', 'ADMIN', now())`)).rejects.toThrow(
        /foreign key/,
      );
    } finally {
      await client.end();
    }

    // Once: the next start finds nothing to carry over.
    expect(await carryOverPglite({ pgliteDir, targetUrl: target.url })).toBeUndefined();
  });

  it("refuses to merge into a database that already has tables, and leaves the PGlite data where it is", async () => {
    // The refusal comes before PGlite is opened: a directory that looks like a cluster is enough.
    const dataDir = await mkdtemp(path.join(tmpdir(), "keyway-carry-over-"));
    tempDirs.push(dataDir);
    const pgliteDir = path.join(dataDir, "pglite");
    await mkdir(pgliteDir);
    await writeFile(path.join(pgliteDir, "PG_VERSION"), "18\n");
    const target = await migratedDatabase("carry_over_full");
    databases.push(target);

    await expect(carryOverPglite({ pgliteDir, targetUrl: target.url })).rejects.toThrow(/already has tables/);
    expect(existsSync(path.join(pgliteDir, "PG_VERSION"))).toBe(true);
  });
});
