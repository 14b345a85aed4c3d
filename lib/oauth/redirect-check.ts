// The redirect-URI checker of the registration guide: a user pastes the URL
// of a provider's error page, the authorization URL, or the redirect URI
// itself, and sees part by part how it differs from this instance's callback
// URL. Providers compare redirect URIs as exact strings, so every difference
// counts, down to a trailing slash or an encoded character.

export type PartName = "scheme" | "host" | "port" | "path" | "trailing slash" | "encoding" | "query" | "fragment";

export type PartComparison = { part: PartName; yours: string; expected: string; same: boolean; fix?: string };

export type RedirectCheck =
  | { ok: false; problem: string }
  | {
      ok: true;
      /** The redirect URI found in what was pasted. */
      found: string;
      /** Where it was found: the pasted text itself, or its redirect_uri parameter. */
      source: "pasted" | "redirect_uri parameter";
      identical: boolean;
      parts: PartComparison[];
    };

const ESCAPE = /%[0-9a-f]{2}/i;
const DEFAULT_PORT: Record<string, string> = { "http:": "80", "https:": "443" };

/** A redirect URI inside a provider URL: the redirect_uri parameter, possibly wrapped once more (Google's error pages carry the original request in a parameter). */
function extractRedirectUri(text: string): { uri: string; source: "pasted" | "redirect_uri parameter" } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { uri: text, source: "pasted" };
  }
  const direct = url.searchParams.get("redirect_uri");
  if (direct) return { uri: direct, source: "redirect_uri parameter" };
  for (const value of url.searchParams.values()) {
    const inner = /redirect_uri=([^&\s]+)/.exec(value);
    if (inner?.[1]) {
      try {
        return { uri: decodeURIComponent(inner[1]), source: "redirect_uri parameter" };
      } catch {
        return { uri: inner[1], source: "redirect_uri parameter" };
      }
    }
  }
  return { uri: text, source: "pasted" };
}

/** The path as typed, without the URL parser's normalisation (which would hide an encoding difference). */
function rawPath(text: string): string {
  const match = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*([^?#]*)/i.exec(text);
  return match?.[1] || "/";
}

export function checkRedirectUri(pasted: string, callbackUrl: string): RedirectCheck {
  let text = pasted.trim();
  if (text === "") return { ok: false, problem: "Paste the redirect URI, or the URL of the provider's error page." };
  // The value of a redirect_uri parameter copied as it stood in a URL: https%3A%2F%2F…
  if (/^https?%3A%2F%2F/i.test(text)) {
    try {
      text = decodeURIComponent(text);
    } catch {
      // Leave it as pasted; the checks below say what is wrong with it.
    }
  }
  const { uri, source } = extractRedirectUri(text);
  let yours: URL;
  try {
    yours = new URL(uri);
  } catch {
    return { ok: false, problem: `“${uri.slice(0, 200)}” is not a URL. A redirect URI starts with https:// (or http://).` };
  }
  const expected = new URL(callbackUrl);
  const yourPath = rawPath(uri);
  const expectedPath = rawPath(callbackUrl);
  const trim = (path: string) => (path.length > 1 ? path.replace(/\/+$/, "") : path);
  let decodedPath = yourPath;
  try {
    decodedPath = decodeURIComponent(yourPath);
  } catch {
    // A malformed escape is itself an encoding difference, reported below.
  }

  const parts: PartComparison[] = [
    { part: "scheme", yours: yours.protocol.replace(/:$/, ""), expected: expected.protocol.replace(/:$/, ""), same: yours.protocol === expected.protocol, fix: "Use the scheme of the callback URL: http and https are different URIs to the provider." },
    { part: "host", yours: yours.hostname, expected: expected.hostname, same: yours.hostname === expected.hostname, fix: "Register the host this Keyway is reached at; localhost, 127.0.0.1 and a domain name are all different to the provider." },
    {
      part: "port",
      yours: yours.port || `${DEFAULT_PORT[yours.protocol] ?? ""} (default)`,
      expected: expected.port || `${DEFAULT_PORT[expected.protocol] ?? ""} (default)`,
      // Both without a port are the same even across schemes: the scheme row already says what to fix.
      same: yours.port === expected.port,
      fix: "Include the port exactly as in the callback URL (or leave it out when the callback URL has none).",
    },
    { part: "path", yours: decodedPath, expected: expectedPath, same: trim(decodedPath) === trim(expectedPath), fix: "The path must be /oauth/callback, nothing before or after it." },
    {
      part: "trailing slash",
      yours: yourPath.length > 1 && yourPath.endsWith("/") ? "yes" : "no",
      expected: expectedPath.length > 1 && expectedPath.endsWith("/") ? "yes" : "no",
      same: (yourPath.length > 1 && yourPath.endsWith("/")) === (expectedPath.length > 1 && expectedPath.endsWith("/")),
      fix: "Remove (or add) the trailing slash: the provider compares the whole string.",
    },
    { part: "encoding", yours: yourPath, expected: expectedPath, same: ESCAPE.test(yourPath) === ESCAPE.test(expectedPath), fix: "Register the URL with plain characters, not percent-encoded ones (%2F is not /)." },
    { part: "query", yours: yours.search || "none", expected: expected.search || "none", same: yours.search === expected.search, fix: "Register the callback URL without a ?query." },
    { part: "fragment", yours: yours.hash || "none", expected: expected.hash || "none", same: yours.hash === expected.hash, fix: "Remove the #fragment: redirect URIs cannot have one." },
  ];
  const cleaned = parts.map((p) => (p.same ? { part: p.part, yours: p.yours, expected: p.expected, same: true } : p));
  return { ok: true, found: uri, source, identical: uri === callbackUrl, parts: cleaned };
}
