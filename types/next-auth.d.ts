import "next-auth/jwt";

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
