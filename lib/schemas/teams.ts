import { z } from "zod";
import { recordId } from "./ids";
import { text } from "./text";

export const ROLES = ["OWNER", "ADMIN", "MEMBER", "VIEWER"] as const;
export const roleSchema = z.enum(ROLES, { error: "Choose a role." });

export const teamNameSchema = z.object({
  name: text().trim().min(2, "Use at least 2 characters.").max(60, "Use at most 60 characters."),
});

export const invitationSchema = z.object({
  role: roleSchema,
  email: text()
    .trim()
    .max(254)
    .optional()
    .transform((v) => (v ? v.toLowerCase() : undefined))
    .pipe(z.email("Enter a valid email address, or leave it empty.").optional()),
});

export const roleChangeSchema = z.object({
  membershipId: recordId("Choose a member."),
  role: roleSchema,
});

export const membershipRefSchema = z.object({ membershipId: recordId("Choose a member.") });
export const invitationRefSchema = z.object({ invitationId: recordId("Choose an invitation.") });
export const deleteTeamSchema = z.object({ confirmSlug: text().trim() });
