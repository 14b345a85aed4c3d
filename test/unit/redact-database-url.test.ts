import { describe, expect, it } from "vitest";
import { redactDatabaseUrl } from "@/lib/migrations";

describe("redactDatabaseUrl", () => {
  it("hides the password and keeps what tells the database apart", () => {
    const shown = redactDatabaseUrl("postgresql://keyway:s3cr%40t@db.internal:5432/keyway?sslmode=require");
    expect(shown).not.toContain("s3cr");
    expect(shown).toBe("postgresql://keyway:***@db.internal:5432/keyway?sslmode=require");
  });

  it("leaves a URL without a password as it is", () => {
    expect(redactDatabaseUrl("postgresql://postgres@127.0.0.1:54329/postgres")).toBe("postgresql://postgres@127.0.0.1:54329/postgres");
  });

  it("does not echo a string it cannot parse, which may hold a password", () => {
    expect(redactDatabaseUrl("keyway:hunter2 at db")).not.toContain("hunter2");
  });
});
