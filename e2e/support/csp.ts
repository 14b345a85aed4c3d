import { test as base, expect, type Browser } from "@playwright/test";

// Fails a test when the browser reports a Content-Security-Policy violation on
// any page it opened, in every browser context (the test's own and those it
// opens itself), so the CSP (proxy.ts) is proven against every journey that
// imports `test` from here: a script Next rendered without the request's
// nonce, or a style the policy refuses, shows up as a failed test.
type Watch = { violations: string[] };

// Only Keyway's own pages count: the test authorization servers' pages (oidc-provider's
// interaction screens) carry their own policy, which refuses their own web font.
const keywayOrigins = new Set([process.env.KEYWAY_PUBLIC_URL, process.env.KEYWAY_E2E_SECOND_URL].filter((url): url is string => Boolean(url)).map((url) => new URL(url).origin));

function servedByKeyway(pageUrl: string): boolean {
  if (!pageUrl) return true;
  try {
    return keywayOrigins.has(new URL(pageUrl).origin);
  } catch {
    return true;
  }
}

function watchContexts(browser: Browser, watch: Watch): () => void {
  const original = browser.newContext.bind(browser);
  browser.newContext = async (options) => {
    const context = await original(options);
    context.on("console", (message) => {
      // Chromium reports each violation as a console error ("Refused to … because it violates the following Content Security Policy directive …").
      if (message.type() === "error" && /Content Security Policy/i.test(message.text()) && servedByKeyway(message.location().url)) {
        watch.violations.push(`${message.location().url || "(page)"}: ${message.text()}`);
      }
    });
    return context;
  };
  return () => {
    browser.newContext = original;
  };
}

export const test = base.extend<{ cspViolations: string[] }, { cspWatch: Watch }>({
  cspWatch: [
    async ({ browser }, use) => {
      const watch: Watch = { violations: [] };
      const restore = watchContexts(browser, watch);
      await use(watch);
      restore();
    },
    { scope: "worker", auto: true },
  ],
  cspViolations: [
    async ({ cspWatch }, use) => {
      cspWatch.violations.length = 0;
      await use(cspWatch.violations);
      expect(cspWatch.violations, "Content-Security-Policy violations reported by the browser").toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
