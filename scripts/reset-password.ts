// `npm run user:reset-password -- <email>`: prints a one-time link where that
// user sets a new password (for a forgotten one; Keyway sends no email). The
// link works once, for an hour; only its hash is stored, and a newer link
// replaces an unused older one. Setting the password signs the user out everywhere.
import { createRequire } from "node:module";
import { createPasswordReset, RESET_LINK_TTL_MS } from "../lib/auth/account";
import { publicUrl } from "../lib/config";
import { getDb } from "../lib/db";
import { DomainError } from "../lib/errors";

const require = createRequire(import.meta.url);
const { loadEnvConfig } = require("@next/env") as typeof import("@next/env");

async function main(): Promise<number> {
  // The same .env files the app reads, so DATABASE_URL and KEYWAY_PUBLIC_URL agree with it.
  loadEnvConfig(process.cwd());
  const email = process.argv[2];
  if (!email || process.argv.length > 3) {
    console.error("Usage: npm run user:reset-password -- <email>");
    return 2;
  }
  if (!process.env.DATABASE_URL) {
    console.error(
      "DATABASE_URL is not set: point it at Keyway's database (with the embedded one, the address `npm start` prints, e.g. postgresql://postgres@127.0.0.1:<port>/postgres).",
    );
    return 2;
  }
  try {
    const { token, user } = await createPasswordReset(email);
    console.log(`One-time link for ${user.email} (valid for ${RESET_LINK_TTL_MS / 60_000} minutes, once):`);
    console.log(`${publicUrl()}/reset-password/${token}`);
    return 0;
  } catch (error) {
    if (error instanceof DomainError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }
}

main()
  .catch((error: unknown) => {
    console.error(`Could not create a reset link: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  })
  .then(async (code) => {
    await getDb().$disconnect();
    process.exit(code);
  });
