import { DomainError } from "../errors";
import { StoredAuthError } from "../connections/stored";
import { TokenProblem } from "../oauth/tokens";
import { ApiProblem, fieldProblem, type FieldProblem } from "./problem";

// The domain's refusals (lib/errors.ts and friends) as problem documents, so
// the API answers them exactly as the pages show them, with the field they name.

const CODE_OF_STATUS: Record<number, string> = { 400: "bad_request", 403: "forbidden", 404: "not_found", 409: "conflict", 410: "gone", 412: "precondition_failed", 429: "rate_limited" };

export function fieldProblems(fieldErrors: Record<string, string>): ApiProblem {
  const errors: FieldProblem[] = Object.entries(fieldErrors).map(([field, message]) => fieldProblem(422, field, message).errors![0]!);
  return new ApiProblem(422, "invalid_input", "The request is not valid.", errors.map((e) => `${e.path.join(".")}: ${e.message}`).join("; "), errors);
}

export function problemOf(error: unknown): ApiProblem | null {
  if (error instanceof ApiProblem) return error;
  if (error instanceof StoredAuthError) return fieldProblems(error.fieldErrors);
  if (error instanceof DomainError) {
    if (error.field) return fieldProblem(422, error.field, error.message);
    return new ApiProblem(error.status, CODE_OF_STATUS[error.status] ?? "bad_request", error.status === 404 ? "Not found." : "The request was refused.", error.message);
  }
  if (error instanceof TokenProblem) {
    if (error.kind === "needs-reauth" || error.kind === "not-connected") return new ApiProblem(409, "needs_reauthorization", "The connection must be connected again in Keyway.", error.message);
    return new ApiProblem(502, "token_request_failed", "Keyway could not get an access token.", error.message);
  }
  return null;
}
