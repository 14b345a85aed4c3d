import { z } from "zod";
import { text } from "../schemas/text";

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
});
export type ApiKeyCreateInput = z.infer<typeof apiKeyCreateSchema>;

export const apiKeyRefSchema = z.object({ apiKeyId: text().min(1, "Choose a key.") });
