import "next-auth";
import "next-auth/jwt";

declare module "next-auth" {
  interface Session {
    /** The Session row this browser is signed in with, so the account page can mark it and keep it on "sign out everywhere else". Not a credential: the signed JWT is. */
    sessionId?: string;
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    /** Id of the Session row that keeps this token alive. */
    sid?: string;
    /** The session could not be checked because the database is away (lib/auth/session.ts answers 503). */
    databaseUnavailable?: boolean;
  }
}

declare module "next-auth" {
  interface Session {
    databaseUnavailable?: boolean;
  }
}
