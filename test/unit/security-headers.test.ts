import { afterEach, describe, expect, it, vi } from "vitest";

async function load(publicUrl: string | undefined) {
  vi.resetModules();
  if (publicUrl === undefined) vi.stubEnv("KEYWAY_PUBLIC_URL", undefined as unknown as string);
  else vi.stubEnv("KEYWAY_PUBLIC_URL", publicUrl);
  return import("@/lib/security-headers");
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("security headers", () => {
  it("sends Strict-Transport-Security and upgrade-insecure-requests only when the public URL is https", async () => {
    const https = await load("https://keyway.example.com");
    expect(https.fixedSecurityHeaders()["Strict-Transport-Security"]).toBe("max-age=63072000; includeSubDomains");
    expect(https.pageContentSecurityPolicy("abc", false)).toContain("upgrade-insecure-requests");

    for (const url of ["http://keyway.internal:3000", undefined]) {
      const http = await load(url);
      expect(http.fixedSecurityHeaders()).not.toHaveProperty("Strict-Transport-Security");
      expect(http.pageContentSecurityPolicy("abc", false)).not.toContain("upgrade-insecure-requests");
    }
  });

  it("lets scripts run only with the nonce, and allows eval in development alone", async () => {
    const { pageContentSecurityPolicy, newNonce } = await load(undefined);
    const nonce = newNonce();
    expect(nonce).not.toBe(newNonce());
    expect(Buffer.from(nonce, "base64")).toHaveLength(16);
    const production = pageContentSecurityPolicy(nonce, false);
    const scriptSrc = production.split("; ").find((d) => d.startsWith("script-src "));
    expect(scriptSrc).toBe(`script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`);
    expect(production).toContain("frame-ancestors 'none'");
    expect(production).toContain("object-src 'none'");
    expect(pageContentSecurityPolicy(nonce, true)).toContain("'unsafe-eval'");
  });
});
