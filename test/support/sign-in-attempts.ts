// Runs in its own process (spawned by rate-limit.test.ts): sign-in attempts
// from a second "app instance" that shares only the database with the first.
import { takeSignInAttempt } from "../../lib/auth/rate-limit";

const [email = "", ip = "", count = "0"] = process.argv.slice(2);
let allowed = 0;
for (let i = 0; i < Number(count); i++) {
  if ((await takeSignInAttempt(email, ip)).allowed) allowed++;
}
process.stdout.write(JSON.stringify({ allowed }) + "\n");
process.exit(0);
