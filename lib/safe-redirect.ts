import { publicUrl } from "./config";

// Where a sign-in may send the browser afterwards. Browsers forgive a lot in a
// Location header (they drop tabs and newlines, read "\" as "/"), so
// "/\t/evil.example" becomes "//evil.example", another site. So: refuse
// control characters and backslashes outright, resolve what is left against
// the public URL as a browser would, and accept it only when the origin is
// still ours. Never decided by looking at how the string starts.

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\\]/;
const MAX_LENGTH = 2048;

/** A same-origin path (with query and fragment) for a return URL, or the fallback. */
export function safeCallbackPath(value: unknown, fallback = "/"): string {
  // Auth.js keeps the return URL in a cookie: a huge one would make headers no browser accepts.
  if (typeof value !== "string" || value === "" || value.length > MAX_LENGTH || UNSAFE.test(value)) return fallback;
  const base = new URL(`${publicUrl()}/`);
  let resolved: URL;
  try {
    resolved = new URL(value, base);
  } catch {
    return fallback;
  }
  if (resolved.origin !== base.origin) return fallback;
  // A path, not the URL: the browser stays on whichever of our names it used.
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}
