import { z } from "zod";
import { ApiProblem } from "./problem";

// Cursor pagination: a page holds `limit` items and `nextCursor`, an opaque
// string to pass as `cursor` for the next page (null on the last one). The
// cursor is the sort key of the last item, so pages stay stable while items
// are added or removed (keyset pagination, no offsets).

export const limitSchema = z.coerce.number().int("Give a whole number.").min(1, "Give at least 1.").max(200, "Give at most 200.").default(50).meta({ description: "Items per page (1 to 200)." });
export const cursorSchema = z.string().max(500, "That is not a cursor this API gave out.").optional().meta({ description: "The nextCursor of the previous page." });

export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString("base64url");
}

export function decodeCursor<T extends unknown[]>(cursor: string, shape: z.ZodType<T>): T | null {
  try {
    const parsed = shape.safeParse(JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const timeAndId = z.tuple([z.iso.datetime(), z.string().max(100)]);

/** The (time, id) a newest-first page ended on, from its cursor; a cursor this API did not give out is a 400. */
export function afterCursor(cursor: string | undefined): { at: Date; id: string } | null {
  if (!cursor) return null;
  const decoded = decodeCursor(cursor, timeAndId);
  if (!decoded) throw new ApiProblem(400, "invalid_cursor", "The cursor is not valid.", "Pass the nextCursor of a previous page unchanged.");
  return { at: new Date(decoded[0]), id: decoded[1] };
}

/** A page from `limit + 1` rows read: the extra row only says there is a next page. */
export function keysetPage<T>(rows: T[], limit: number, key: (row: T) => [string, string]): { data: T[]; nextCursor: string | null } {
  const data = rows.slice(0, limit);
  const last = data.at(-1);
  return { data, nextCursor: rows.length > limit && last ? encodeCursor(key(last)) : null };
}

export function pageSchema<T extends z.ZodType>(item: T, id: string) {
  return z.object({ data: z.array(item), nextCursor: z.string().nullable().meta({ description: "Pass as cursor for the next page; null on the last page." }) }).meta({ id });
}
