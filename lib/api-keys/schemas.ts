import { z } from "zod";
import { recordId } from "../schemas/ids";
import { text } from "../schemas/text";
import { API_KEY_SCOPES } from "./scopes";

// Shared by the create form (checked in the browser first) and the server action.

export const API_KEY_EXPIRY_CHOICES = [
  { value: "never", label: "Never", days: null },
  { value: "30", label: "In 30 days", days: 30 },
  { value: "90", label: "In 90 days", days: 90 },
  { value: "365", label: "In one year", days: 365 },
] as const;

export const apiKeyCreateSchema = z.object({
  name: text().trim().min(1, "Name the key after the service that will use it.").max(80, "Use at most 80 characters."),
  expiresIn: z.enum(["never", "30", "90", "365"], { error: "Choose when the key expires." }),
  scopes: z
    .array(z.enum(API_KEY_SCOPES, { error: "Choose among the listed scopes." }), { error: "Choose at least one scope." })
    .min(1, "Choose at least one scope.")
    .refine((scopes) => new Set(scopes).size === scopes.length, { message: "Name each scope once." }),
});
export type ApiKeyCreateInput = z.infer<typeof apiKeyCreateSchema>;

export const apiKeyRefSchema = z.object({ apiKeyId: recordId("Choose a key.") });

/** The create form's fields: one checkbox per scope, so "scopes" repeats. */
export function apiKeyFormInput(formData: FormData): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of formData.entries()) if (typeof value === "string" && !name.startsWith("$ACTION")) fields[name] = value;
  fields.scopes = formData.getAll("scopes").filter((value) => typeof value === "string");
  return fields;
}
