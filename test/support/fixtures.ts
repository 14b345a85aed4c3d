import { randomBytes } from "node:crypto";
import type { Role } from "@/lib/generated/prisma/enums";

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString("hex")}@example.test`;
}

/** A user with a personal team, created through the same code path as sign-up. */
export async function makeUser(prefix: string) {
  const { createUserWithPersonalTeam } = await import("@/lib/teams");
  const email = uniqueEmail(prefix);
  const { user, team } = await createUserWithPersonalTeam({ name: prefix, email, passwordHash: null });
  return { ...user, personalTeam: team, actor: { id: user.id, label: user.email, ip: "127.0.0.1" } };
}

export async function addMember(teamId: string, userId: string, role: Role) {
  const { getDb } = await import("@/lib/db");
  return getDb().membership.create({ data: { teamId, userId, role } });
}
