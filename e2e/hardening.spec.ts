import { expect, test } from "@playwright/test";
import pg from "pg";
import { formAlert, freshEmail, PASSWORD, signOut, signUp } from "./support/journeys";

// Issue 14 through Keyway's real server (server.ts, as `npm start` runs it):
// a client's own X-Forwarded-For (or a copy of Keyway's internal address
// header) never becomes its address, and return URLs never lead off-site.

const FORGED = { "X-Forwarded-For": "203.0.113.66", "X-Keyway-Client-Ip": "203.0.113.67", "X-Real-Ip": "203.0.113.68" };

async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

test.describe.configure({ timeout: 180_000 });

test("a forged X-Forwarded-For is neither the audit log's address nor a fresh sign-in budget", async ({ browser }) => {
  const context = await browser.newContext({ extraHTTPHeaders: FORGED });
  const page = await context.newPage();
  const email = freshEmail("forger");
  const team = await signUp(page, "Forger", email);
  const slug = team.replace(/^\/t\//, "");
  const audit = await query<{ ip: string | null }>(`SELECT a.ip FROM "AuditEvent" a JOIN "Team" t ON t.id = a."teamId" WHERE t.slug = $1`, [slug]);
  expect(audit.length).toBeGreaterThan(0);
  for (const { ip } of audit) expect(ip).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);
  await signOut(page);

  // Failed sign-ins, each claiming another address: every one is counted against the socket's address.
  const budgetBefore = await query<{ key: string; points: number }>(`SELECT key, points FROM rate_limits WHERE key LIKE 'signin_ip:%'`);
  const ATTEMPTS = 3;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    await context.setExtraHTTPHeaders({ ...FORGED, "X-Forwarded-For": `203.0.113.${100 + attempt}` });
    await page.goto("/signin");
    await page.getByLabel("Email").fill(freshEmail(`spray-${attempt}`));
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(formAlert(page)).toHaveText("Email or password is incorrect.");
  }
  const budgetAfter = await query<{ key: string; points: number }>(`SELECT key, points FROM rate_limits WHERE key LIKE 'signin_ip:%' OR key LIKE 'signup_ip:%'`);
  expect(budgetAfter.map((row) => row.key).join("\n")).not.toContain("203.0.113.");
  const socketKey = budgetAfter.find((row) => /^signin_ip:(::ffff:)?127\.0\.0\.1$|^signin_ip:::1$/.test(row.key));
  expect(socketKey, JSON.stringify(budgetAfter)).toBeDefined();
  const before = budgetBefore.find((row) => row.key === socketKey!.key)?.points ?? 0;
  expect(socketKey!.points - before).toBeGreaterThanOrEqual(ATTEMPTS);
  await context.close();
});

test("return URLs stay on Keyway: tabs, newlines, backslashes and other hosts fall back to a page of ours", async ({ page }) => {
  const email = freshEmail("returner");
  const team = await signUp(page, "Returner", email);
  const attacks = ["%2F%09%2Fevil.example", "%2F%0A%2Fevil.example", "%0A", "%2F%5Cevil.example", "%2F%2Fevil.example", "https%3A%2F%2Fevil.example%2F", "%2F%0D%0ASet-Cookie%3Ax%3D1"];
  for (const attack of attacks) {
    for (const path of ["/signin", "/signup"]) {
      const response = await page.request.get(`${path}?callbackUrl=${attack}`, { maxRedirects: 0 });
      expect(response.status(), `${path} ${attack}`).toBe(307);
      expect(response.headers().location, `${path} ${attack}`).toBe("/");
    }
  }
  // Our own path is kept.
  const own = await page.request.get(`/signin?callbackUrl=${encodeURIComponent(`${team}/connections`)}`, { maxRedirects: 0 });
  expect(own.headers().location).toBe(`${team}/connections`);

  // Signing in through the form with a hostile callbackUrl lands on Keyway, not elsewhere.
  await signOut(page);
  await page.goto(`/signin?callbackUrl=%2F%09%2Fevil.example`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(/\/t\/[^/]+\/connections/);
  expect(new URL(page.url()).origin).toBe(new URL(process.env.KEYWAY_PUBLIC_URL!).origin);
});
