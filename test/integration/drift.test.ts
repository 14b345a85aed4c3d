// A schema.prisma edit without its hand-written migration (or a migration
// that does not match the schema) fails here, since Prisma's own engine
// cannot check this in our environment (DESIGN.md).
import { readFileSync } from "node:fs";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { migratedDatabase, type TestDatabase } from "../support/db";
import { describeSchemaFromDatabase, describeSchemaFromDmmf, diffSchemas, type SchemaShape } from "../support/schema-drift";

const schemaText = readFileSync(new URL("../../prisma/schema.prisma", import.meta.url), "utf8");

let database: TestDatabase;
let fromDatabase: SchemaShape;

beforeAll(async () => {
  database = await migratedDatabase("drift");
  fromDatabase = await describeSchemaFromDatabase(database.url);
});
afterAll(async () => database?.drop());

/** schema.prisma with one edit; fails loudly if the text to replace is gone, so no mutation silently becomes a no-op. */
function editedSchema(find: string, replace: string): string {
  const at = schemaText.indexOf(find);
  expect(at, `schema.prisma no longer contains ${JSON.stringify(find)}; update this test`).toBeGreaterThanOrEqual(0);
  expect(schemaText.indexOf(find, at + 1), `${JSON.stringify(find)} occurs more than once`).toBe(-1);
  return schemaText.slice(0, at) + replace + schemaText.slice(at + find.length);
}

async function diffAgainst(datamodel: string): Promise<string[]> {
  return diffSchemas(await describeSchemaFromDmmf(datamodel), fromDatabase);
}

/** Runs `sql` on the migrated database, diffs, then undoes it so later cases start clean. */
async function diffAfterDatabaseChange(sql: string, undo: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query(sql);
    return diffSchemas(await describeSchemaFromDmmf(schemaText), await describeSchemaFromDatabase(database.url));
  } finally {
    await client.query(undo);
    await client.end();
  }
}

describe("schema.prisma and prisma/migrations", () => {
  it("describe the same database", async () => {
    expect(await diffAgainst(schemaText)).toEqual([]);
  });
});

describe("the drift check notices", () => {
  it("a column added to the schema only", async () => {
    const diff = await diffAgainst(editedSchema("  passwordHash String?\n", "  passwordHash String?\n  nickname String?\n"));
    expect(diff).toEqual([`column "User"."nickname": in schema.prisma, missing from the database`]);
  });

  it("a column added to the database only", async () => {
    const diff = await diffAfterDatabaseChange(
      `ALTER TABLE "Team" ADD COLUMN "color" TEXT`,
      `ALTER TABLE "Team" DROP COLUMN "color"`,
    );
    expect(diff).toEqual([`column "Team"."color": in the database, not in schema.prisma`]);
  });

  it("a generated column added by a migration is allowed", async () => {
    const diff = await diffAfterDatabaseChange(
      `ALTER TABLE "Team" ADD COLUMN "slugLower" TEXT GENERATED ALWAYS AS (lower("slug")) STORED`,
      `ALTER TABLE "Team" DROP COLUMN "slugLower"`,
    );
    expect(diff).toEqual([]);
  });

  it("a nullability change in the schema", async () => {
    const diff = await diffAgainst(editedSchema("  email        String    @unique\n", "  email        String?   @unique\n"));
    expect(diff).toEqual([`column "User"."email": nullable in schema.prisma, NOT NULL in the database`]);
  });

  it("a nullability change in the database", async () => {
    const diff = await diffAfterDatabaseChange(
      `ALTER TABLE "Session" ALTER COLUMN "expiresAt" DROP NOT NULL`,
      `ALTER TABLE "Session" ALTER COLUMN "expiresAt" SET NOT NULL`,
    );
    expect(diff).toEqual([`column "Session"."expiresAt": NOT NULL in schema.prisma, nullable in the database`]);
  });

  it("a type change", async () => {
    const diff = await diffAgainst(editedSchema("  points Int     @default(0)\n", "  points BigInt  @default(0)\n"));
    expect(diff).toEqual([`column "rate_limits"."points": type bigint in schema.prisma, integer in the database`]);
  });

  it("a default added", async () => {
    const diff = await diffAgainst(editedSchema("  actorLabel String\n", '  actorLabel String   @default("system")\n'));
    expect(diff).toEqual([`column "AuditEvent"."actorLabel": a default in schema.prisma, no default in the database`]);
  });

  it("an @unique added", async () => {
    const diff = await diffAgainst(editedSchema("  actorLabel String\n", "  actorLabel String   @unique\n"));
    expect(diff).toEqual([`unique "AuditEvent"(actorLabel): in schema.prisma, missing from the database`]);
  });

  it("an @@index added", async () => {
    const diff = await diffAgainst(editedSchema("  userAgent  String?\n  ip         String?\n", "  userAgent  String?\n  ip         String?\n\n  @@index([ip, createdAt(sort: Desc)])\n"));
    expect(diff).toEqual([`index "Session"(ip, createdAt DESC): in schema.prisma, missing from the database`]);
  });

  it("an index dropped from the database", async () => {
    const diff = await diffAfterDatabaseChange(
      `DROP INDEX "Session_expiresAt_idx"`,
      `CREATE INDEX "Session_expiresAt_idx" ON "Session"("expiresAt")`,
    );
    expect(diff).toEqual([`index "Session"(expiresAt): in schema.prisma, missing from the database`]);
  });

  it("a relation (foreign key) added", async () => {
    const withRelation = editedSchema(
      "  @@index([teamId, createdAt(sort: Desc), id(sort: Desc)])\n",
      "  team Team @relation(fields: [teamId], references: [id], onDelete: Cascade)\n\n  @@index([teamId, createdAt(sort: Desc), id(sort: Desc)])\n",
    ).replace("  memberships  Membership[]\n", "  memberships  Membership[]\n  auditEvents  AuditEvent[]\n");
    const diff = await diffAgainst(withRelation);
    expect(diff).toEqual([`foreign key "AuditEvent"(teamId) → "Team"(id): in schema.prisma, missing from the database`]);
  });

  it("a relation's onDelete changed", async () => {
    const diff = await diffAgainst(
      editedSchema(
        "acceptedBy User? @relation(\"InvitationAcceptedBy\", fields: [acceptedById], references: [id], onDelete: SetNull)",
        "acceptedBy User? @relation(\"InvitationAcceptedBy\", fields: [acceptedById], references: [id], onDelete: Restrict)",
      ),
    );
    expect(diff).toEqual([
      `foreign key "Invitation"(acceptedById) → "User"(id): ON DELETE RESTRICT in schema.prisma, ON DELETE SET NULL in the database`,
    ]);
  });

  it("a relation's default onDelete (no onDelete written) against the migration's CASCADE", async () => {
    const diff = await diffAgainst(
      editedSchema(
        "user User @relation(fields: [userId], references: [id], onDelete: Cascade)\n\n  @@unique([provider, providerAccountId])",
        "user User @relation(fields: [userId], references: [id])\n\n  @@unique([provider, providerAccountId])",
      ),
    );
    expect(diff).toEqual([
      `foreign key "Account"(userId) → "User"(id): ON DELETE RESTRICT in schema.prisma, ON DELETE CASCADE in the database`,
    ]);
  });

  it("an enum value added", async () => {
    const diff = await diffAgainst(editedSchema("  VIEWER\n}", "  VIEWER\n  GUEST\n}"));
    expect(diff).toHaveLength(1);
    expect(diff[0]).toContain(`enum "Role"`);
    expect(diff[0]).toContain("missing from the database: GUEST");
  });

  it("a model added to the schema only", async () => {
    const diff = await diffAgainst(`${schemaText}\nmodel Widget {\n  id String @id\n}\n`);
    expect(diff).toEqual([`table "Widget": in schema.prisma, missing from the database`]);
  });
});
