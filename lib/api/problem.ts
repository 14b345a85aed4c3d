import type { z } from "zod";

// Every refusal of /api/v1 is an RFC 9457 problem document
// (application/problem+json): `type` names the kind of problem (a stable
// URI under /docs/api#problems), `code` is the same as a short word for code
// to switch on, and validation problems list each field by its path in the
// request (`errors[].pointer`, an RFC 6901 JSON pointer, and `errors[].path`).

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** The problems /api/v1 answers with, for the documentation page (their `type` links there). */
export const PROBLEM_CODES: Record<string, string> = {
  missing_api_key: "401: no Authorization header.",
  invalid_api_key: "401: the header does not hold a key Keyway knows.",
  api_key_revoked: "401: the key was revoked.",
  api_key_expired: "401: the key has expired.",
  insufficient_scope: "403: the key lacks the operation's scope (WWW-Authenticate names it).",
  forbidden: "403: refused for another reason, e.g. reading credentials an admin has not allowed.",
  not_found: "404: no such operation, or no such object in the key's team (another team's objects are not found either).",
  method_not_allowed: "405: the path exists, with other methods (Allow lists them).",
  invalid_json: "400: the body is not JSON.",
  invalid_cursor: "400: the cursor was not one this API gave out.",
  invalid_idempotency_key: "400: the Idempotency-Key is empty, too long or not visible ASCII.",
  invalid_input: "422: the body or query does not satisfy the schema; errors[] names each field by its JSON pointer and path.",
  idempotency_key_reused: "422: the Idempotency-Key was used for another request (method, path or body).",
  idempotency_in_progress: "409: a request with the same Idempotency-Key is still being served.",
  conflict: "409: the change conflicts with the team's state (e.g. an OAuth client still in use).",
  needs_reauthorization: "409: an OAuth2 connection must be connected again in Keyway.",
  precondition_failed: "412: If-Match names a version that is no longer current.",
  body_too_large: "413: the body is over 2 MB.",
  rate_limited: "429: the key used up its requests for this minute (Retry-After says when to retry).",
  token_request_failed: "502: the provider's token endpoint refused or failed.",
  internal_error: "500: Keyway failed; its log says why.",
};

export type FieldProblem = { pointer: string; path: (string | number)[]; message: string };

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly title: string,
    detail?: string,
    readonly errors?: FieldProblem[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.name = "ApiProblem";
  }
}

function pointerOf(path: (string | number)[]): string {
  return `/${path.map((part) => String(part).replace(/~/g, "~0").replace(/\//g, "~1")).join("/")}`;
}

/** Where the problem is: the request's body, its query string or its path parameters. */
export type InputPart = "body" | "query" | "path";

export function invalidInput(part: InputPart, error: z.ZodError): ApiProblem {
  const errors = error.issues.map((issue) => {
    const path = issue.path.filter((p): p is string | number => typeof p !== "symbol");
    return { pointer: part === "body" ? pointerOf(path) : `#${part}${pointerOf(path)}`, path, message: issue.message };
  });
  const where = part === "body" ? "request body" : part === "query" ? "query string" : "path";
  return new ApiProblem(part === "path" ? 404 : 422, "invalid_input", "The request is not valid.", `Fix the ${where}: ${errors.map((e) => `${e.path.join(".") || "(whole)"}: ${e.message}`).join("; ")}`, errors);
}

export function fieldProblem(status: number, field: string, message: string): ApiProblem {
  const path = field.split(".").map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  return new ApiProblem(status, "invalid_input", "The request is not valid.", message, [{ pointer: pointerOf(path), path, message }]);
}

export function problemBody(problem: ApiProblem, instance: string) {
  return {
    type: `/docs/api#problem-${problem.code}`,
    title: problem.title,
    status: problem.status,
    detail: problem.message,
    instance,
    code: problem.code,
    ...(problem.errors ? { errors: problem.errors } : {}),
  };
}
