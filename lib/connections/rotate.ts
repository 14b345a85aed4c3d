import { db } from "../db";
import { configuredKeyring, needsRotation, reencrypt, type Keyring } from "../crypto";

/**
 * Re-encrypts every connection secret that is not sealed with the newest key.
 * Safe while the app serves: each row is rewritten only if it still holds the
 * envelope that was read (compare-and-set), so a concurrent save is never
 * overwritten with older secrets; such a row was just sealed with the newest
 * key by that save anyway. Run it after every instance has the new keyring.
 */
export async function rotateConnectionSecrets(keyring: Keyring = configuredKeyring(), batchSize = 200): Promise<{ rotated: number; current: number; skipped: number }> {
  let rotated = 0;
  let current = 0;
  let skipped = 0;
  let after = "";
  for (;;) {
    const rows = await db.connection.findMany({
      where: { secrets: { not: null }, id: { gt: after } },
      select: { id: true, secrets: true },
      orderBy: { id: "asc" },
      take: batchSize,
    });
    if (rows.length === 0) break;
    for (const row of rows) {
      const envelope = row.secrets!;
      if (!needsRotation(envelope, keyring)) {
        current++;
        continue;
      }
      const fresh = reencrypt(envelope, keyring, row.id);
      const { count } = await db.connection.updateMany({ where: { id: row.id, secrets: envelope }, data: { secrets: fresh } });
      if (count === 1) rotated++;
      else skipped++;
    }
    after = rows[rows.length - 1]!.id;
  }
  return { rotated, current, skipped };
}
