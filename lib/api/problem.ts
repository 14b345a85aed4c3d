import type { z } from "zod";

// Every refusal of /api/v1 is an RFC 9457 problem document
// (application/problem+json): `type` names the kind of problem (a stable
// URI under /docs/api#problems), `code` is the same as a short word for code
// to switch on, and validation problems list each field by its path in the
// request (`errors[].pointer`, an RFC 6901 JSON pointer, and `errors[].path`).

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

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
