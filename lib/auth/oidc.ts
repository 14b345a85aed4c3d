import { db } from "../db";
import { createUserWithPersonalTeam } from "../teams";
import { OIDC_PROVIDER_ID } from "./provider-id";

type Claims = { email?: unknown; email_verified?: unknown; name?: unknown; preferred_username?: unknown };

/**
 * Finds or creates the Keyway user behind an OpenID Connect sign-in. An
 * existing password account is linked only when the provider vouches for the
 * email address (email_verified), so an IdP account cannot take over a
 * Keyway account by claiming its address.
 */
export async function signInWithOidc(subject: string, claims: Claims) {
  const linked = await db.account.findUnique({
    where: { provider_providerAccountId: { provider: OIDC_PROVIDER_ID, providerAccountId: subject } },
    include: { user: true },
  });
  if (linked) return linked.user.disabledAt ? null : linked.user;

  const email = typeof claims.email === "string" ? claims.email.trim().toLowerCase() : "";
  if (!email || claims.email_verified !== true) return null;
  const name =
    (typeof claims.name === "string" && claims.name.trim()) ||
    (typeof claims.preferred_username === "string" && claims.preferred_username.trim()) ||
    email.split("@")[0] ||
    email;

  const existing = await db.user.findUnique({ where: { email } });
  const user = existing ?? (await createUserWithPersonalTeam({ name, email, passwordHash: null })).user;
  if (user.disabledAt) return null;
  await db.account.create({ data: { userId: user.id, provider: OIDC_PROVIDER_ID, providerAccountId: subject } });
  return user;
}
