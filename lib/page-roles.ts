import type { Role } from "./generated/prisma/enums";

// The role each team page needs, for the 403 page to name it. forbidden()
// takes no arguments and Next renders the 403 page apart from the page that
// refused, so the page's own requireMember(slug, role) cannot tell it;
// test/unit/page-roles.test.ts reads every team page and checks this list
// against the role it asks for, so the two cannot drift apart.
const RULES: Array<[RegExp, Role]> = [
  [/^\/t\/[^/]+\/(api-keys|agents|audit|notifications)(\/|$)/, "ADMIN"],
  [/^\/t\/[^/]+\/members\/invite(\/|$)/, "ADMIN"],
  [/^\/t\/[^/]+\/clients\/(new|[^/]+\/edit)(\/|$)/, "ADMIN"],
  [/^\/t\/[^/]+\/connections\/(new|[^/]+\/edit)(\/|$)/, "MEMBER"],
];

/** The role a team page needs (Viewer when not listed). */
export function pageRole(pathname: string): Role {
  return RULES.find(([pattern]) => pattern.test(pathname))?.[1] ?? "VIEWER";
}

/** The team a page belongs to: "/t/platform/api-keys" → "platform". */
export function teamSlugOf(pathname: string): string | undefined {
  return /^\/t\/([^/]+)/.exec(pathname)?.[1];
}
