import { z } from "zod";

// Every row id Keyway makes (cuid, or a letter prefix and hex) and every team
// slug and link token is URL-safe base64 alphabet, at most a few dozen
// characters. Checking that shape before a lookup keeps NUL bytes, other
// control characters and megabyte strings away from Postgres, which would
// answer them with an error (a 500) rather than "not found".
const URL_SAFE = /^[A-Za-z0-9_-]+$/;

/** A row id or team slug as it arrives in a form field or an action argument. */
export function recordId(message = "Reload the page and try again.") {
  return z.string({ error: message }).min(1, message).max(100, message).regex(URL_SAFE, message);
}

/** A token from a link (invitation, password reset): longer than an id, same alphabet. */
export function linkToken(message = "This link is not valid. Check that you copied the whole link.") {
  return z.string({ error: message }).min(1, message).max(200, message).regex(URL_SAFE, message);
}
