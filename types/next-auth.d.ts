import "next-auth/jwt";

declare module "next-auth/jwt" {
  interface JWT {
    /** Id of the Session row that keeps this token alive. */
    sid?: string;
  }
}
