import { z } from "zod";
import type { Prisma } from "../generated/prisma/client";
import { ConnectionStatus } from "../generated/prisma/enums";
import { text } from "../schemas/text";
import { AUTH_TYPES } from "./schemas";

// The Connections page's search, filters and sort live in the URL (a plain GET
// form), so a view can be shared and works without JavaScript. A hand-edited
// or stale URL must never fail the page: a value this schema does not know is
// dropped back to its default rather than refused.

export const CONNECTION_SORTS = {
  name: { label: "Name", orderBy: [{ name: "asc" }, { createdAt: "asc" }] },
  "last-tested": { label: "Last tested", orderBy: [{ lastTestedAt: { sort: "desc", nulls: "last" } }, { name: "asc" }] },
  // Enum order is Untested, Working, Failing, Needs re-authorization: descending puts the ones that need a look first.
  status: { label: "Needs attention first", orderBy: [{ status: "desc" }, { name: "asc" }] },
  newest: { label: "Newest", orderBy: [{ createdAt: "desc" }, { name: "asc" }] },
} as const satisfies Record<string, { label: string; orderBy: Prisma.ConnectionOrderByWithRelationInput[] }>;
export type ConnectionSort = keyof typeof CONNECTION_SORTS;

const lenient = <T extends z.ZodType>(schema: T) => schema.optional().catch(undefined);
// Next.js gives a repeated parameter as a list; the first one counts.
const first = (value: unknown) => (Array.isArray(value) ? value[0] : value);

export const connectionListQuerySchema = z.object({
  q: z.preprocess(first, lenient(text().trim().max(200))).transform((q) => (q ? q : undefined)),
  status: z.preprocess(first, lenient(z.enum(ConnectionStatus))),
  type: z.preprocess(first, lenient(z.enum(AUTH_TYPES))),
  sort: z.preprocess(first, lenient(z.enum(Object.keys(CONNECTION_SORTS) as [ConnectionSort, ...ConnectionSort[]]))).transform((sort) => sort ?? "name"),
});
export type ConnectionListQuery = z.infer<typeof connectionListQuerySchema>;

export function parseConnectionListQuery(searchParams: Record<string, string | string[] | undefined>): ConnectionListQuery {
  return connectionListQuerySchema.parse(searchParams);
}

export function connectionListWhere(query: ConnectionListQuery): Prisma.ConnectionWhereInput {
  return {
    ...(query.status ? { status: query.status } : {}),
    ...(query.type ? { authType: query.type } : {}),
    // The name or the base URL: people remember either "Stripe" or "api.stripe.com".
    ...(query.q ? { OR: [{ name: { contains: query.q, mode: "insensitive" } }, { baseUrl: { contains: query.q, mode: "insensitive" } }] } : {}),
  };
}

/** Whether the list is narrowed at all (an empty result then means "nothing matches", not "nothing yet"). */
export function isFiltered(query: ConnectionListQuery): boolean {
  return Boolean(query.q || query.status || query.type);
}
