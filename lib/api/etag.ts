import { ApiProblem } from "./problem";

// ETags of resources that can be updated: the time of the row's last change
// (a Prisma @updatedAt, in milliseconds). If-Match with another value is
// refused with 412, checked under the row lock of the update itself.

export function etagOf(updatedAt: Date): string {
  return `"${updatedAt.getTime().toString(36)}"`;
}

/** The precondition an update or delete passes down to lib: none without If-Match. */
export function ifMatch(headers: Headers): ((saved: { updatedAt: Date }) => void) | undefined {
  const header = headers.get("if-match");
  if (!header) return undefined;
  const wanted = header.split(",").map((tag) => tag.trim().replace(/^W\//, ""));
  return (saved) => {
    if (wanted.includes("*") || wanted.includes(etagOf(saved.updatedAt))) return;
    throw new ApiProblem(412, "precondition_failed", "The resource changed since you read it.", "Someone changed it after the version your If-Match names. Read it again (GET gives its current ETag), then repeat the change.", undefined, {});
  };
}
