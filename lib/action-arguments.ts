import { notFound } from "next/navigation";
import { z } from "zod";
import { linkToken, recordId } from "./schemas/ids";

// A server action's arguments, bound ones included, come from the client:
// React decodes whatever was sent (numbers, objects, arrays, null, FormData,
// any string), and TypeScript's parameter types are only a wish. Each action
// checks its arguments here first, before anything reaches the database; a
// malformed one gets the same answer as an unknown or foreign id, a 404,
// so a hand-made request learns nothing from which check refused it. The
// form's fields are then checked by the form's own zod schema.

export const argument = {
  teamSlug: recordId(),
  id: recordId(),
  /** An id, or null for "new". */
  idOrNew: recordId().nullable(),
  token: linkToken(),
  /** A string for a schema of its own to judge (a URL typed into a form). */
  text: z.string().max(10_000),
  form: z.instanceof(FormData),
  /** useActionState's previous state: never read. */
  previousState: z.unknown(),
} as const;

/** Refuses (404) unless each value matches its schema; the schemas only check, so the values are used as they came. */
export function checkArguments(values: readonly unknown[], schemas: readonly z.ZodType[]): void {
  schemas.forEach((schema, index) => {
    if (!schema.safeParse(values[index]).success) notFound();
  });
}
