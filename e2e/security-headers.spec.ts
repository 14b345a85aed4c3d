import type { APIResponse } from "@playwright/test";
import { expect, test } from "./support/csp";

// Every answer carries the security headers: pages and route handlers (proxy.ts),
// the services' proxy and the agents' endpoints (server.ts, outside Next).

function expectFixedHeaders(response: APIResponse, what: string) {
  const headers = response.headers();
  expect(headers["x-frame-options"], what).toBe("DENY");
  expect(headers["x-content-type-options"], what).toBe("nosniff");
  expect(headers["referrer-policy"], what).toBe("same-origin");
  expect(headers["permissions-policy"], what).toContain("camera=()");
  expect(headers["cross-origin-opener-policy"], what).toBe("same-origin");
  // The browser tests run on http://127.0.0.1, where HSTS must not be sent (test/unit/security-headers.test.ts covers https).
  expect(headers["strict-transport-security"], what).toBeUndefined();
  const csp = headers["content-security-policy"] ?? "";
  expect(csp, what).toContain("frame-ancestors 'none'");
  expect(csp, what).not.toContain("unsafe-eval");
  expect(/script-src [^;]*/.exec(csp)?.[0] ?? "", what).not.toContain("unsafe-inline");
  return csp;
}

function scriptNonce(csp: string): string {
  const nonce = /script-src [^;]*'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
  expect(nonce, `a script nonce in ${csp}`).toBeTruthy();
  return nonce!;
}

test("pages, route handlers, the proxy, webhooks and agent endpoints all send the security headers", async ({ request }) => {
  // Pages: a fresh nonce per request, on every script the page carries.
  const nonces = new Set<string>();
  for (const path of ["/signin", "/signin", "/no-such-page", "/guide/register-client"]) {
    const response = await request.get(path);
    const csp = expectFixedHeaders(response, path);
    const nonce = scriptNonce(csp);
    nonces.add(nonce);
    const scripts = (await response.text()).match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length, `${path} has scripts`).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag, `${path}: ${tag}`).toContain(`nonce="${nonce}"`);
  }
  expect(nonces.size).toBe(4);

  // Route handlers, the proxy served by server.ts, a webhook, the agents' endpoints.
  const answers = [
    ["Auth.js session", await request.get("/api/auth/session")],
    ["OAuth callback", await request.get("/oauth/callback", { maxRedirects: 0 })],
    ["proxy", await request.get("/api/proxy/cnothing/users")],
    ["webhook", await request.post("/api/hooks/not-a-token", { data: { hello: "world" } })],
    ["agent probe", await request.get("/api/agents/connect")],
    ["agent script", await request.get("/api/agents/script")],
  ] as const;
  for (const [what, response] of answers) expectFixedHeaders(response, `${what} (${response.status()})`);
});

test("an inline script without the request's nonce does not run, Next's own scripts do, and the browser reports it", async ({ page, cspViolations }) => {
  // Stands in for injected markup (stored XSS): the page as served, CSP header and all, with one inline script added.
  await page.route("**/signin", async (route) => {
    const response = await route.fetch();
    const body = (await response.text()).replace("</body>", "<script>window.injectedRan = true</script></body>");
    await route.fulfill({ response, body });
  });
  await page.goto("/signin");
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeVisible();
  const state = await page.evaluate(() => {
    const w = window as unknown as { injectedRan?: boolean; next?: unknown };
    return { injectedRan: w.injectedRan === true, nextRuntimeLoaded: typeof w.next === "object" };
  });
  expect(state).toEqual({ injectedRan: false, nextRuntimeLoaded: true });
  // The watcher in support/csp.ts saw it (which is how any other journey fails on a violation); this one was on purpose.
  await expect.poll(() => cspViolations.join("\n")).toContain("inline script");
  cspViolations.length = 0;
});
