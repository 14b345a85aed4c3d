import jsonpointer from "jsonpointer";
import { z } from "zod";
import { text } from "../schemas/text";

// How an API says "this access token has expired" (issue 16, item 11). Most
// answer 401, which stays the default; some answer 403 or 400, and some 200
// with an error in the body (Salesforce's `INVALID_SESSION_ID`, GraphQL APIs'
// `errors[0].extensions.code`). When a response matches a connection's rule,
// test requests and the proxy refresh the token once and send the request
// again (when it can be sent again), through the same single-flight refresh
// and back-off as an expiry.

/** Only this much of a response is read to look for the body rule: an error answer is small, and a larger body streams on untouched. */
export const EXPIRED_BODY_PEEK_BYTES = 64 * 1024;

export type ExpiredRule = {
  statuses: number[];
  /** RFC 6901 pointer into a JSON body; with `jsonValue` empty, any value there (not null) matches. */
  jsonPointer?: string;
  jsonValue?: string;
  /** Plain text the body must contain (not a pattern: a user's regular expression could take the proxy's CPU). */
  bodyContains?: string;
};

export const DEFAULT_EXPIRED_RULE: ExpiredRule = { statuses: [401] };

export function splitStatuses(typed: string): string[] {
  return typed
    .split(/[\s,]+/)
    .map((part) => part.trim())
    .filter(Boolean);
}

/** "~" in a pointer must be "~0" or "~1" (RFC 6901 3). */
const JSON_POINTER = /^(\/([^~]|~[01])*)*$/;

/**
 * The "token expired" fields of both OAuth2 connection types, as the form and
 * the API submit them. Absent (an API client from before them): 401 only.
 */
export const expiredSignalFields = {
  expiredStatuses: text().trim().max(100, "Use at most 100 characters.").optional(),
  expiredJsonPointer: text().trim().max(512, "Use at most 512 characters.").optional(),
  expiredJsonValue: text().max(512, "Use at most 512 characters.").optional(),
  expiredBodyContains: text().max(512, "Use at most 512 characters.").optional(),
};

type ExpiredFields = { expiredStatuses?: string; expiredJsonPointer?: string; expiredJsonValue?: string; expiredBodyContains?: string };

/** The field checks that need more than one field; paths are the fields'. */
export function checkExpiredSignal(value: ExpiredFields, ctx: z.RefinementCtx): void {
  const statuses = splitStatuses(value.expiredStatuses ?? "");
  const bad = statuses.find((status) => !/^[1-5]\d\d$/.test(status));
  if (bad !== undefined) ctx.addIssue({ code: "custom", path: ["expiredStatuses"], message: `“${bad}” is not an HTTP status: use three digits from 100 to 599, e.g. 401, 403.` });
  if (statuses.length > 10) ctx.addIssue({ code: "custom", path: ["expiredStatuses"], message: "Use at most 10 statuses." });
  const pointer = value.expiredJsonPointer ?? "";
  const bodyRule = pointer !== "" || (value.expiredBodyContains ?? "") !== "";
  if (pointer !== "" && !JSON_POINTER.test(pointer)) {
    ctx.addIssue({ code: "custom", path: ["expiredJsonPointer"], message: "A JSON pointer starts with / and names each step, e.g. /error/code (write ~1 for a / in a name and ~0 for a ~)." });
  }
  if (pointer === "" && (value.expiredJsonValue ?? "") !== "") ctx.addIssue({ code: "custom", path: ["expiredJsonPointer"], message: "Enter the JSON pointer whose value is compared, or clear the value." });
  // A success status without a body rule would make every answer look like an expired token.
  const success = statuses.find((status) => /^[23]\d\d$/.test(status));
  if (success !== undefined && !bodyRule) {
    ctx.addIssue({ code: "custom", path: ["expiredStatuses"], message: `${success} is a success status: add a JSON pointer or a body text below that tells an expired token apart, or leave ${success} out.` });
  }
}

/** What is stored (connection config) from the fields; undefined for the default. */
export function expiredRuleFrom(value: ExpiredFields): ExpiredRule | undefined {
  const statuses = [...new Set(splitStatuses(value.expiredStatuses ?? "").map(Number))];
  const rule: ExpiredRule = {
    statuses: statuses.length > 0 ? statuses : [401],
    ...(value.expiredJsonPointer ? { jsonPointer: value.expiredJsonPointer } : {}),
    ...(value.expiredJsonPointer && value.expiredJsonValue ? { jsonValue: value.expiredJsonValue } : {}),
    ...(value.expiredBodyContains ? { bodyContains: value.expiredBodyContains } : {}),
  };
  const isDefault = rule.statuses.length === 1 && rule.statuses[0] === 401 && !rule.jsonPointer && !rule.bodyContains;
  return isDefault ? undefined : rule;
}

/** The form's fields from what is stored. */
export function expiredFieldsFrom(rule: ExpiredRule | undefined): Required<ExpiredFields> {
  const r = rule ?? DEFAULT_EXPIRED_RULE;
  return { expiredStatuses: r.statuses.join(", "), expiredJsonPointer: r.jsonPointer ?? "", expiredJsonValue: r.jsonValue ?? "", expiredBodyContains: r.bodyContains ?? "" };
}

export const storedExpiredRuleSchema = z.object({
  statuses: z.array(z.number().int()),
  jsonPointer: z.string().optional(),
  jsonValue: z.string().optional(),
  bodyContains: z.string().optional(),
});

export function hasBodyRule(rule: ExpiredRule): boolean {
  return Boolean(rule.jsonPointer || rule.bodyContains);
}

/** Whether a response with this status may mean "expired": then, with a body rule, its body decides. */
export function statusMayMeanExpired(rule: ExpiredRule, status: number): boolean {
  return rule.statuses.includes(status);
}

function pointerMatches(body: Buffer, pointer: string, expected: string | undefined): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString("utf8"));
  } catch {
    return false;
  }
  if (parsed === null || typeof parsed !== "object") return false;
  let found: unknown;
  try {
    found = jsonpointer.get(parsed, pointer);
  } catch {
    return false;
  }
  if (found === undefined || found === null) return false;
  if (!expected) return true;
  // The form takes the value as text: "401" matches both 401 and "401", "true" matches true.
  return typeof found === "object" ? JSON.stringify(found) === expected : String(found) === expected;
}

/** Whether a whole (small) body matches the rule's body part; every part set must match. */
export function bodyMeansExpired(rule: ExpiredRule, body: Buffer): boolean {
  if (rule.jsonPointer && !pointerMatches(body, rule.jsonPointer, rule.jsonValue)) return false;
  if (rule.bodyContains && !body.toString("utf8").includes(rule.bodyContains)) return false;
  return true;
}

/** Whether a response means the token expired; `body` is undefined when it was too large to look at (then it does not). */
export function meansExpired(rule: ExpiredRule, status: number, body: Buffer | undefined): boolean {
  if (!statusMayMeanExpired(rule, status)) return false;
  if (!hasBodyRule(rule)) return true;
  return body !== undefined && body.length <= EXPIRED_BODY_PEEK_BYTES && bodyMeansExpired(rule, body);
}

/** The rule in words, for a test run's summary. */
export function describeExpiry(rule: ExpiredRule, status: number): string {
  if (!hasBodyRule(rule)) return `the API answered ${status}`;
  const parts = [
    ...(rule.jsonPointer ? [rule.jsonValue ? `${rule.jsonPointer} = “${rule.jsonValue}”` : `a value at ${rule.jsonPointer}`] : []),
    ...(rule.bodyContains ? [`“${rule.bodyContains}” in the body`] : []),
  ];
  return `the API answered ${status} with ${parts.join(" and ")}`;
}
