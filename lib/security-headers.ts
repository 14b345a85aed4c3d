import { randomBytes } from "node:crypto";
import { publicUrl } from "./config";

// The security headers of every answer Keyway gives: pages and route handlers
// get them from proxy.ts (Next's request interception), the answers server.ts
// gives outside Next (the services' proxy, the agents' endpoints) from
// server.ts. One definition, so the two cannot drift apart.

/** 128 random bits per request: a script must carry this to run. */
export function newNonce(): string {
  return randomBytes(16).toString("base64");
}

function publicUrlIsHttps(): boolean {
  return publicUrl().startsWith("https:");
}

/**
 * The policy of an HTML answer. Scripts run only with this request's nonce
 * (Next puts it on its own scripts, having read it from the request's CSP
 * header); 'strict-dynamic' lets those load the chunks they need.
 * Development adds 'unsafe-eval', which React's refresh and error overlay use,
 * and inline styles.
 * Styles: Tailwind's stylesheet comes from 'self' and <style> elements need the
 * nonce; style attributes (React's style prop, Next's route announcer) stay
 * allowed, as they cannot run code.
 * No form-action: Chromium applies it to the redirects after a form post too,
 * and the SSO sign-in and OAuth consent forms end at other origins by design.
 */
export function pageContentSecurityPolicy(nonce: string, dev = process.env.NODE_ENV === "development"): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    // Next's development overlay and hot reload add <style> elements without a nonce.
    dev ? "style-src 'self' 'unsafe-inline'" : `style-src 'self' 'nonce-${nonce}'`,
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ];
  if (publicUrlIsHttps()) directives.push("upgrade-insecure-requests");
  return directives.join("; ");
}

/** The policy of an answer that is not a page (JSON, the services' proxy, the agent script): nothing may load or frame it. */
export const NON_PAGE_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

let fixed: Record<string, string> | undefined;

/** The headers that are the same on every answer (the CSP aside). */
export function fixedSecurityHeaders(): Record<string, string> {
  fixed ??= {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    // Only over https: on plain http a browser ignores it, and a mistaken one would lock users out of an http-only instance.
    ...(publicUrlIsHttps() ? { "Strict-Transport-Security": "max-age=63072000; includeSubDomains" } : {}),
  };
  return fixed;
}

let nonPageEntries: ReadonlyArray<readonly [lowerCaseName: string, name: string, value: string]> | undefined;

/**
 * The headers of an answer that is not a page, listed once: the proxy adds
 * them to every answer in its one writeHead, where a setHeader each (name
 * checks, a lower-cased copy, a map entry) cost it more than its own logic.
 */
export function nonPageSecurityHeaders(): ReadonlyArray<readonly [lowerCaseName: string, name: string, value: string]> {
  nonPageEntries ??= [...Object.entries(fixedSecurityHeaders()), ["Content-Security-Policy", NON_PAGE_CONTENT_SECURITY_POLICY] as const].map(
    ([name, value]) => [name.toLowerCase(), name, value] as const,
  );
  return nonPageEntries;
}
