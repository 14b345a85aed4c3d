// `npm run keys:rotate`: re-encrypts every stored secret with the newest key of
// KEYWAY_ENCRYPTION_KEYS (the first entry). Put the new key first on every
// instance, restart them, then run this; once it reports nothing left to
// rotate, the old key can be removed.
import { rotateAllSecrets } from "../lib/connections/rotate";
import { configuredKeyring } from "../lib/crypto";
import { getDb } from "../lib/db";

async function main(): Promise<number> {
  if (!process.env.DATABASE_URL) {
    console.error("DATABASE_URL is not set: point it at the database whose secrets to re-encrypt.");
    return 2;
  }
  const keyring = configuredKeyring();
  console.log(`Re-encrypting secrets with key "${keyring.current.id}"…`);
  for (const [label, { rotated, current, skipped }] of Object.entries(await rotateAllSecrets(keyring))) {
    console.log(`${label}: ${rotated} re-encrypted, ${current} already on "${keyring.current.id}"${skipped ? `, ${skipped} changed while running (saved meanwhile with the newest key)` : ""}.`);
  }
  return 0;
}

main()
  .catch((error: unknown) => {
    console.error(`Rotation failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  })
  .then(async (code) => {
    await getDb().$disconnect();
    process.exit(code);
  });
