import { z } from "zod";

// What creating a connect link takes, for the connection page's form and the
// API alike: how long it stays usable, from one hour to seven days.

export const CONNECT_LINK_EXPIRY_HOURS = [1, 24, 72, 168] as const;

export const connectLinkCreateSchema = z
  .object({
    expiresInHours: z.coerce
      .number({ error: "Give the number of hours the link stays usable." })
      .int("Give a whole number of hours.")
      .min(1, "A link stays usable for at least 1 hour.")
      .max(168, "A link stays usable for at most 7 days (168 hours).")
      .default(72)
      .meta({ description: "Hours until the link expires, 1 to 168 (7 days). Default 72." }),
  })
  .meta({ id: "ConnectLinkInput" });

export type ConnectLinkCreateInput = z.infer<typeof connectLinkCreateSchema>;

/** The token in a link: "kwl_" and 43 base64url characters (32 random bytes). */
export const connectLinkTokenSchema = z.string().regex(/^kwl_[A-Za-z0-9_-]{43}$/);
