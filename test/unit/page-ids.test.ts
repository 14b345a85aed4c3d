import { beforeEach, describe, expect, it, vi } from "vitest";

// Pages that take a row id from the URL (and their titles, generateMetadata)
// look it up through one helper each; a malformed id must be a 404 there,
// before any query: Postgres answers a NUL byte with an error, not "no row".

const findConnection = vi.fn(async (_teamId: string, id: string) => ({ id, name: "API" }));
const findOAuthClient = vi.fn(async (_teamId: string, id: string) => ({ id, name: "Provider" }));
vi.mock("@/lib/connections", () => ({ findConnection }));
vi.mock("@/lib/oauth/clients", () => ({ findOAuthClient }));

const { findConnectionOr404 } = await import("@/app/(app)/t/[team]/connections/[connection]/find");
const { findOAuthClientOr404 } = await import("@/app/(app)/t/[team]/clients/[client]/find");

const MALFORMED = ["a\u0000b", "c0ffee\u0000id", "x".repeat(5000), "../etc", "a b", ""];

beforeEach(() => {
  findConnection.mockClear();
  findOAuthClient.mockClear();
});

describe.each([
  ["connection", findConnectionOr404, findConnection],
  ["OAuth client", findOAuthClientOr404, findOAuthClient],
] as const)("the %s pages' lookup", (_what, lookup, query) => {
  it.each(MALFORMED.map((id) => [JSON.stringify(id.slice(0, 20)), id]))("answers 404 for the id %s without a query", async (_label, id) => {
    await expect(lookup("team-1", id)).rejects.toMatchObject({ digest: "NEXT_HTTP_ERROR_FALLBACK;404" });
    expect(query).not.toHaveBeenCalled();
  });

  it("looks a well-formed id up", async () => {
    await expect(lookup("team-1", "cffffffffffffffffffffffff")).resolves.toMatchObject({ id: "cffffffffffffffffffffffff" });
    expect(query).toHaveBeenCalledWith("team-1", "cffffffffffffffffffffffff");
  });
});
