import type { Page } from "@playwright/test";

/** Every response the page receives (HTML, RSC payloads, JSON), to prove no saved secret is in any. */
export function collectResponses(page: Page): string[] {
  const bodies: string[] = [];
  page.on("response", async (response) => {
    const type = response.headers()["content-type"] ?? "";
    if (!/html|json|text|x-component/.test(type)) return;
    try {
      bodies.push(await response.text());
    } catch {
      // Redirects and aborted navigations have no body.
    }
  });
  return bodies;
}
