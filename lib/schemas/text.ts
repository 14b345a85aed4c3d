import { z } from "zod";

// Every text field of every form, action and API shares this: Postgres cannot
// store NUL in text (the write fails), and no field has a use for other
// control characters. Tab, line feed and carriage return stay allowed for
// multi-line fields (bodies, PEM); one-line fields refuse them in their own
// schemas where it matters (header values).
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** z.string() that refuses NUL and other control characters, with a field message. */
export function text(params?: Parameters<typeof z.string>[0]) {
  return z.string(params).refine((value) => !CONTROL_CHARACTERS.test(value), "Remove the control characters (such as NUL) from this field.");
}
