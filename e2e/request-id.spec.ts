import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
import { TIME_SCALE } from "../test/support/time-scale";

// Issue 15: every page and API answer carries X-Request-Id, however Keyway is
// started: `npm start` (server.ts, which the suite's servers are) and `next
// start` alone (Next serves everything itself; proxy.ts gives the id). A
// caller's well-formed id is kept, a hostile one replaced; one id per answer.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Pages (signed out and in the way), the management API, the proxy, the webhook receiver, health, Auth.js, a 404. */
const TARGETS: { method: "GET" | "POST"; path: string }[] = [
  { method: "GET", path: "/signin" },
  { method: "GET", path: "/signup" },
  { method: "GET", path: "/t/some-team/connections" },
  { method: "GET", path: "/no-such-page" },
  { method: "GET", path: "/api/v1/connections" },
  { method: "GET", path: "/api/proxy/cunknown/items" },
  { method: "POST", path: "/api/hooks/unknown-token" },
  { method: "GET", path: "/api/auth/session" },
  { method: "GET", path: "/healthz" },
];

async function checkEveryAnswer(api: APIRequestContext) {
  for (const { method, path: target } of TARGETS) {
    const response = await api.fetch(target, { method, maxRedirects: 0, data: method === "POST" ? "{}" : undefined });
    const ids = response.headersArray().filter((header) => header.name.toLowerCase() === "x-request-id");
    expect(ids.length, `${method} ${target} (${response.status()}) carries one X-Request-Id`).toBe(1);
    expect(ids[0]!.value, `${method} ${target}`).toMatch(UUID);

    const given = await api.fetch(target, { method, maxRedirects: 0, data: method === "POST" ? "{}" : undefined, headers: { "X-Request-Id": "lb-req-0123456789" } });
    expect(given.headers()["x-request-id"], `${method} ${target} keeps the caller's id`).toBe("lb-req-0123456789");

    const hostile = await api.fetch(target, { method, maxRedirects: 0, data: method === "POST" ? "{}" : undefined, headers: { "X-Request-Id": "a b\"c<script>" } });
    expect(hostile.headers()["x-request-id"], `${method} ${target} replaces a hostile id`).toMatch(UUID);
  }
}

test("every answer of `npm start`'s server (server.ts) carries X-Request-Id", async ({ request }) => {
  await checkEveryAnswer(request);
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

test.describe("under `next start` alone", () => {
  let next: ChildProcess;
  let base: string;

  test.beforeAll(async () => {
    test.setTimeout(180_000 * TIME_SCALE);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const nextBin = createRequire(path.join(process.cwd(), "package.json")).resolve("next/dist/bin/next");
    next = spawn(process.execPath, [nextBin, "start", "-p", String(port), "-H", "127.0.0.1"], {
      env: { ...process.env, NODE_ENV: "production", KEYWAY_PUBLIC_URL: base },
      stdio: ["ignore", "ignore", "inherit"],
    });
    const deadline = Date.now() + 120_000 * TIME_SCALE;
    for (;;) {
      if (next.exitCode !== null) throw new Error(`next start exited with ${next.exitCode}`);
      const ready = await fetch(`${base}/signin`).then((response) => response.ok, () => false);
      if (ready) break;
      if (Date.now() > deadline) throw new Error("next start did not answer");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  });

  test.afterAll(async () => {
    if (next && next.exitCode === null) {
      const exited = new Promise((resolve) => next.once("exit", resolve));
      next.kill("SIGTERM");
      await exited;
    }
  });

  test("every page and API answer carries X-Request-Id", async () => {
    const api = await playwrightRequest.newContext({ baseURL: base });
    await checkEveryAnswer(api);
    await api.dispose();
  });
});
