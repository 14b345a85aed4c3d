import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useFreshAppDatabase } from "../support/app-db";

let env: Awaited<ReturnType<typeof useFreshAppDatabase>>;

beforeAll(async () => {
  process.env.KEYWAY_SIGNIN_MAX_PER_ACCOUNT = "5";
  process.env.KEYWAY_SIGNIN_MAX_PER_IP = "8";
  env = await useFreshAppDatabase("ratelimit");
});
afterAll(async () => env?.close());

function attemptsInAnotherProcess(email: string, ip: string, count: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "test/support/sign-in-attempts.ts", email, ip, String(count)], {
      env: { ...process.env, DATABASE_URL: env.url },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.on("error", reject);
    child.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`attempt process exited with ${code}`));
      resolve((JSON.parse(out.trim().split("\n").pop() ?? "{}") as { allowed: number }).allowed);
    });
  });
}

describe("sign-in rate limit", () => {
  it("holds across two processes sharing one database (per account)", async () => {
    const [a, b] = await Promise.all([
      attemptsInAnotherProcess("shared@example.test", "10.0.0.1", 6),
      attemptsInAnotherProcess("shared@example.test", "10.0.0.2", 6),
    ]);
    expect(a + b).toBe(5);
    const row = await env.db.rateLimit.findUnique({ where: { key: "signin_account:shared@example.test" } });
    expect(row?.points).toBeGreaterThanOrEqual(12);
  });

  it("holds per address across accounts, and is in Postgres rather than process memory", async () => {
    const [a, b] = await Promise.all([
      attemptsInAnotherProcess("one@example.test", "10.9.9.9", 5),
      attemptsInAnotherProcess("two@example.test", "10.9.9.9", 5),
    ]);
    expect(a + b).toBe(8);
  });

  it("forgives the account's failures after a successful sign-in", async () => {
    const { takeSignInAttempt, forgiveSignInAttempt } = await import("@/lib/auth/rate-limit");
    for (let i = 0; i < 4; i++) expect((await takeSignInAttempt("forgiven@example.test", "10.1.1.1")).allowed).toBe(true);
    await forgiveSignInAttempt("forgiven@example.test", "10.1.1.1");
    for (let i = 0; i < 5; i++) expect((await takeSignInAttempt("forgiven@example.test", "10.1.1.2")).allowed).toBe(true);
    const refused = await takeSignInAttempt("forgiven@example.test", "10.1.1.3");
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) expect(refused.retryAfterSeconds).toBeGreaterThan(0);
  });
});
