import { defineConfig } from "prisma/config";

// Prisma 7 reads the connection string from here, not from schema.prisma.
// `prisma generate` needs none; migrations run through scripts/migrate.ts.
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/unused" },
});
