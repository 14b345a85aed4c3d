// Browser tests against the production build, two instances on one database.
//
// `npm test` provides everything: a migrated database (a throwaway one on the
// DATABASE_URL server, or a throwaway embedded PostgreSQL), AUTH_SECRET, KEYWAY_PUBLIC_URL
// and the build. To run them by hand instead:
//
//   npm run build                                 # next start serves .next
//   DATABASE_URL=postgresql://…/keyway_e2e npm run db:migrate
//   DATABASE_URL=postgresql://…/keyway_e2e npx playwright test [e2e/some.spec.ts]
//
// Use a database you can throw away: the tests sign up users and create teams.
import { randomBytes } from "node:crypto";
import { defineConfig } from "@playwright/test";
import { chromiumProject, TIME_SCALE } from "./e2e/support/chromium";

const CI = Boolean(process.env.CI);
// KEYWAY_E2E_PORT moves every port the browser tests use (base, base+1, base+90,
// base+91, base+92), so two checkouts can run their browser tests on one machine at once.
const BASE_PORT = Number(process.env.KEYWAY_E2E_PORT ?? 3100);
const PORTS = [BASE_PORT, BASE_PORT + 1];
const OIDC_PORT = Number(process.env.KEYWAY_TEST_OIDC_PORT ?? BASE_PORT + 90);
const OAUTH_PORT = Number(process.env.KEYWAY_TEST_OAUTH_PORT ?? BASE_PORT + 91);

if (!process.env.DATABASE_URL) {
  throw new Error(
    "The browser tests need DATABASE_URL (a migrated database they may fill with test users). " +
      "Run `npm test`, which provides one, or see the comment at the top of playwright.config.ts.",
  );
}
// Set on process.env (not only for the servers) so that the workers, which
// re-read this file, agree with the servers the main process started.
process.env.AUTH_SECRET ||= randomBytes(32).toString("base64url");
process.env.KEYWAY_PUBLIC_URL ||= `http://127.0.0.1:${PORTS[0]}`;
process.env.KEYWAY_E2E_SECOND_URL ||= `http://127.0.0.1:${PORTS[1]}`;
// Single sign-on against the test provider (test/support/oidc-server.ts) started below.
process.env.KEYWAY_OIDC_ISSUER ||= `http://127.0.0.1:${OIDC_PORT}`;
process.env.KEYWAY_OIDC_CLIENT_ID ||= "keyway-e2e";
process.env.KEYWAY_OIDC_CLIENT_SECRET ||= "keyway-e2e-secret";
// The authorization server of the OAuth2 connection tests (test/support/oauth-server.ts), started below.
process.env.KEYWAY_E2E_OAUTH_ISSUER ||= `http://127.0.0.1:${OAUTH_PORT}`;
// The app runs with NODE_ENV=production, which refuses to start without an encryption key.
process.env.KEYWAY_ENCRYPTION_KEYS ||= `e2e:${randomBytes(32).toString("base64")}`;
// The connection tests' upstreams listen on 127.0.0.1, which outbound safety otherwise refuses.
// The rest of loopback stays refused: the private-network test's API (127.0.0.7) is reachable only through an agent.
process.env.KEYWAY_OUTBOUND_ALLOW ||= "127.0.0.1/32,::1/128";
// Email goes to the SMTP server e2e/notifications.spec.ts starts on this port while it runs (test/support/notification-sinks.ts);
// mail sent while it does not listen (an invitation in another spec) is retried by the job engine, unseen.
process.env.KEYWAY_SMTP_URL ||= `smtp://127.0.0.1:${Number(process.env.KEYWAY_TEST_SMTP_PORT ?? BASE_PORT + 92)}`;
process.env.KEYWAY_MAIL_FROM ||= "Keyway E2E <keyway@e2e.test>";
// Every test signs up from 127.0.0.1; the per-address sign-up limit has its own test.
process.env.KEYWAY_SIGNUP_MAX_PER_IP ||= "1000";

export default defineConfig({
  testDir: "e2e",
  // Starts its own app the README's way (playwright.readme-start.config.ts).
  testIgnore: "readme-start.spec.ts",
  fullyParallel: false,
  workers: CI ? 1 : 2,
  retries: 0,
  forbidOnly: CI,
  // Time-outs are budgets for a quiet machine times TIME_SCALE (KEYWAY_TEST_TIME_SCALE; 2 under CI):
  // a loaded two-core machine is slower, not broken.
  timeout: 30_000 * TIME_SCALE,
  expect: { timeout: 5_000 * TIME_SCALE },
  reporter: CI ? "list" : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL: `http://127.0.0.1:${PORTS[0]}`,
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
  },
  projects: [chromiumProject],
  // Two processes sharing one database: e2e/rate-limit.spec.ts checks that the
  // sign-in limit holds across them (SPEC.md: several instances, one Postgres).
  webServer: [
    {
      command: "node --import tsx test/support/oidc-server.ts",
      url: `${process.env.KEYWAY_OIDC_ISSUER}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 30_000 * TIME_SCALE,
      stdout: "ignore" as const,
      stderr: "pipe" as const,
      env: {
        ...(process.env as Record<string, string>),
        KEYWAY_TEST_OIDC_PORT: String(OIDC_PORT),
        KEYWAY_TEST_OIDC_CLIENT_ID: process.env.KEYWAY_OIDC_CLIENT_ID!,
        KEYWAY_TEST_OIDC_CLIENT_SECRET: process.env.KEYWAY_OIDC_CLIENT_SECRET!,
        KEYWAY_TEST_OIDC_REDIRECT_URIS: PORTS.map((port) => `http://127.0.0.1:${port}/api/auth/callback/oidc`).join(","),
      },
    },
    {
      command: "node --import tsx test/support/oauth-server.ts",
      url: `${process.env.KEYWAY_E2E_OAUTH_ISSUER}/.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 30_000 * TIME_SCALE,
      stdout: "ignore" as const,
      stderr: "pipe" as const,
      env: {
        ...(process.env as Record<string, string>),
        KEYWAY_TEST_OAUTH_PORT: String(OAUTH_PORT),
        // Every instance's callback is the public URL's: the universal callback.
        KEYWAY_TEST_OAUTH_REDIRECT_URIS: `${process.env.KEYWAY_PUBLIC_URL}/oauth/callback`,
        KEYWAY_TEST_OAUTH_SHORT_TTL: "10",
      },
    },
    ...PORTS.map((port) => ({
      // Keyway's production server (server.ts), as `npm start` runs it; node, not npx: npx would
      // add its own start-up time and warnings to every run.
      command: `node --import tsx server.ts`,
      url: `http://127.0.0.1:${port}/signin`,
      reuseExistingServer: false,
      timeout: 120_000 * TIME_SCALE,
      stdout: "ignore" as const,
      stderr: "pipe" as const,
      env: {
        ...(process.env as Record<string, string>),
        NODE_ENV: "production",
        PORT: String(port),
      },
    })),
  ],
});
