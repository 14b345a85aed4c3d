// The one redaction of what Keyway keeps or shows from an exchange with an
// API (a test run's URL, headers both ways, error text, body). An API can
// echo a secret in any form it handled it in: a Link header repeats the query
// string percent-encoded, a JSON body escapes it, a debug page prints the
// decoded Basic credentials. So each secret is searched for in every encoding
// a URL, a form, JSON, a header or Basic auth gives it.

export const REDACTED = "••••••";

/** Percent-encoding as a URL parser leaves it (reserved characters kept), as encodeURIComponent gives it, and as forms give it ("+" for space). */
function urlForms(secret: string): string[] {
  const component = encodeURIComponent(secret);
  const form = new URLSearchParams({ v: secret }).toString().slice(2);
  let uri = component;
  try {
    uri = encodeURI(secret);
  } catch {
    // A lone surrogate cannot be percent-encoded; encodeURIComponent would have thrown first.
  }
  // Percent-escapes are case-insensitive (RFC 3986 2.1); some servers write them in lower case.
  const lower = (text: string) => text.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
  return [component, form, uri, lower(component), lower(form), lower(uri)];
}

/** Every spelling of one secret that a response may carry. */
export function secretForms(secret: string): string[] {
  if (secret === "") return [];
  const forms = [secret, JSON.stringify(secret).slice(1, -1)];
  try {
    forms.push(...urlForms(secret));
  } catch {
    // Not encodable (a lone surrogate): only its literal forms can appear.
  }
  const base64 = Buffer.from(secret, "utf8").toString("base64");
  forms.push(base64, base64.replace(/=+$/, ""), Buffer.from(secret, "utf8").toString("base64url"));
  return forms;
}

/**
 * A function that replaces every form of every given secret in a text. Longest
 * first, so a secret that contains another is replaced whole. Secrets shorter
 * than 4 characters are still redacted: a connection's secret is whatever its
 * owner entered, and showing it is worse than over-redacting a response.
 */
export function redactor(secrets: Iterable<string>): (text: string) => string {
  const forms = [...new Set([...secrets].flatMap(secretForms))].filter((form) => form.length > 0).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const form of forms) if (out.includes(form)) out = out.split(form).join(REDACTED);
    return out;
  };
}

/** Redacts one text against a list of secrets (see redactor). */
export function redact(text: string, secrets: Iterable<string>): string {
  return redactor(secrets)(text);
}

/** Header names and values, each redacted; a header an API named after a secret keeps no trace of it either. */
export function redactHeaders(headers: Record<string, string>, hide: (text: string) => string): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [hide(name), hide(value)]));
}
