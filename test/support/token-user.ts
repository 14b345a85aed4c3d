// A second app process for the refresh single-flight test: it uses a
// connection's access token N times at once, the way a second Keyway
// instance serving requests would, and prints the tokens it got as JSON.
//
//   DATABASE_URL=… KEYWAY_ENCRYPTION_KEYS=… KEYWAY_OUTBOUND_ALLOW=… \
//     node --import tsx test/support/token-user.ts <teamId> <connectionId> <uses>
//
// It prints "ready" once loaded, then waits for a line on stdin before it
// starts, so the test can start both processes' uses at the same moment.
import { createInterface } from "node:readline";

const [teamId, connectionId, uses] = process.argv.slice(2);
if (!teamId || !connectionId || !uses) {
  console.error("usage: token-user.ts <teamId> <connectionId> <uses>");
  process.exit(2);
}

const { accessTokenFor, findConnectionForTokens } = await import("@/lib/oauth/tokens");
const { getDb } = await import("@/lib/db");
const connection = await findConnectionForTokens(teamId, connectionId);
// Warm the pool, so the uses start together rather than behind connection setup.
await getDb().$queryRaw`SELECT 1`;
console.log("ready");
await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once("line", () => resolve()));
const actor = { id: null, label: "second process", ip: null };
const results = await Promise.allSettled(Array.from({ length: Number(uses) }, () => accessTokenFor(connection, actor)));
console.log(JSON.stringify(results.map((r) => (r.status === "fulfilled" ? { token: r.value } : { error: String(r.reason) }))));
await getDb().$disconnect();
process.exit(0);
