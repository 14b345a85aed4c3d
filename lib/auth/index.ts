import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import type { Provider } from "next-auth/providers";
import { db } from "../db";
import { oidcConfig } from "../config";
import { clientIp } from "../request-ip";
import { signInSchema } from "../schemas/auth";
import { verifyAgainstNothing, verifyPassword } from "./password";
import { forgiveSignInAttempt, takeSignInAttempt } from "./rate-limit";
import { closeSession, liveSession, openSession, SESSION_MAX_AGE_SECONDS } from "./sessions";
import { signInWithOidc } from "./oidc";
import { OIDC_PROVIDER_ID } from "./provider-id";
import { isDatabaseUnavailable } from "../db/unavailable";

class TooManyAttempts extends CredentialsSignin {
  code = "rate_limited";
}

/** Nobody can sign in while the database is away; that is not a wrong password. */
class ServiceUnavailable extends CredentialsSignin {
  code = "service_unavailable";
}

export { OIDC_PROVIDER_ID };

function providers(): Provider[] {
  const list: Provider[] = [
    Credentials({
      id: "credentials",
      credentials: { email: {}, password: {} },
      async authorize(raw, request) {
        const parsed = signInSchema.safeParse(raw);
        if (!parsed.success) return null;
        const { email, password } = parsed.data;
        const ip = clientIp(request.headers);
        try {
          const verdict = await takeSignInAttempt(email, ip);
          if (!verdict.allowed) throw new TooManyAttempts();
          const user = await db.user.findUnique({ where: { email } });
          const valid = user?.passwordHash ? await verifyPassword(password, user.passwordHash) : await verifyAgainstNothing(password);
          // A disabled account gets the same answer as a wrong password.
          if (!user || !valid || user.disabledAt) return null;
          await forgiveSignInAttempt(email, ip);
          return { id: user.id, email: user.email, name: user.name };
        } catch (error) {
          if (isDatabaseUnavailable(error)) throw new ServiceUnavailable();
          throw error;
        }
      },
    }),
  ];
  const oidc = oidcConfig();
  if (oidc) {
    list.push({
      id: OIDC_PROVIDER_ID,
      name: oidc.name,
      type: "oidc",
      issuer: oidc.issuer,
      clientId: oidc.clientId,
      clientSecret: oidc.clientSecret,
      checks: ["pkce", "state", "nonce"],
      // Many providers (and OpenID Connect Core 5.4, when an access token is
      // issued) put email and email_verified only in the userinfo response.
      // With this, Auth.js still validates the ID token, then reads the
      // profile from userinfo for the same subject.
      idToken: false,
      authorization: { params: { scope: "openid email profile" } },
    });
  }
  return list;
}

export const authConfig: NextAuthConfig = {
  // Self-hosted behind whatever proxy the team runs; the public URL comes from
  // AUTH_URL / KEYWAY_PUBLIC_URL rather than Vercel's environment.
  trustHost: true,
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: "/signin", error: "/signin" },
  providers: providers(),
  logger: {
    // Auth.js logs a wrong password as an error with a stack trace; it is an
    // expected event, and the log must never carry what the user typed.
    error(error) {
      // error.type names the Auth.js failure; error.name is a mangled class name in a production build.
      const type = "type" in error ? String(error.type) : error.name;
      if (type === "CredentialsSignin") return;
      // Auth.js's own message is only a link to its docs; the reason is in the wrapped error
      // (an IdP's refusal, a failed discovery), which carries no credentials.
      const cause = (error as { cause?: { err?: unknown } }).cause?.err;
      const why = cause instanceof Error ? cause.message : error.message;
      console.error(`[auth] ${type}: ${why}`);
    },
    warn(code) {
      if (code === "debug-enabled") return;
      console.warn(`[auth] warning: ${code}`);
    },
    debug() {},
  },
  callbacks: {
    async signIn({ user, account, profile }) {
      if (account?.provider === OIDC_PROVIDER_ID) {
        const linked = await signInWithOidc(account.providerAccountId, profile ?? {});
        if (!linked) return "/signin?error=OidcRefused";
        // The jwt callback reads the id of our own user, not the provider's subject.
        user.id = linked.id;
        user.email = linked.email;
        user.name = linked.name;
      }
      return true;
    },
    async jwt({ token, user }) {
      if (user?.id) {
        const { headers } = await import("next/headers");
        const h = await headers();
        token.sid = await openSession(user.id, { userAgent: h.get("user-agent"), ip: clientIp(h) });
        token.sub = user.id;
        return token;
      }
      if (typeof token.sid !== "string") return null;
      let live;
      try {
        live = await liveSession(token.sid);
      } catch (error) {
        // An outage does not end a session: the token stays as it is, marked, and currentUser() answers 503 for it.
        if (isDatabaseUnavailable(error)) return { ...token, databaseUnavailable: true };
        throw error;
      }
      delete token.databaseUnavailable;
      if (!live) return null;
      token.sub = live.userId;
      token.email = live.email;
      token.name = live.name;
      return token;
    },
    session({ session, token }) {
      if (token.databaseUnavailable) session.databaseUnavailable = true;
      if (token.sub) {
        session.user.id = token.sub;
        session.user.email = token.email ?? session.user.email;
        session.user.name = token.name ?? session.user.name;
      }
      if (typeof token.sid === "string") session.sessionId = token.sid;
      return session;
    },
  },
  events: {
    async signOut(message) {
      if ("token" in message && message.token && typeof message.token.sid === "string") {
        await closeSession(message.token.sid);
      }
    },
  },
};

export const { handlers, auth, signIn, signOut } = NextAuth(authConfig);
