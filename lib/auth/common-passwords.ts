import { createRequire } from "node:module";
import { commonPasswords, PASSWORD_MIN_LENGTH } from "../schemas/auth";

// The most common passwords (about 49,000, from leaked password sets) as zxcvbn-ts
// ships them, MIT licensed. Only those as long as the minimum can reach this
// check; loaded on first use, since decompressing the list takes a moment.
const require = createRequire(import.meta.url);
let common: Set<string> | undefined;

export function isCommonPassword(password: string): boolean {
  if (!common) {
    const { dictionary } = require("@zxcvbn-ts/language-common") as typeof import("@zxcvbn-ts/language-common");
    common = new Set(dictionary["passwords-common"].filter((entry) => entry.length >= PASSWORD_MIN_LENGTH));
  }
  return common.has(password.normalize("NFKC").toLowerCase());
}

commonPasswords.isCommon = isCommonPassword;
