"use server";

import { argument, checkArguments } from "@/lib/action-arguments";
import { revalidatePath } from "next/cache";
import { requireMember } from "@/lib/access";
import { createApiKey, revokeApiKey } from "@/lib/api-keys";
import { apiKeyCreateSchema, apiKeyFormInput, apiKeyRefSchema } from "@/lib/api-keys/schemas";
import { fieldErrorsOf, formObject, refusalState, type FormState } from "@/lib/forms";

// Admins only, checked again here on every call.

export async function createApiKeyAction(teamSlug: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, _previous, formData], [argument.teamSlug, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "ADMIN");
  const input = apiKeyFormInput(formData);
  const parsed = apiKeyCreateSchema.safeParse(input);
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error), values: { ...formObject(formData), scopes: (input.scopes as string[]).join(" ") } };
  try {
    const created = await createApiKey(team.id, actor, parsed.data);
    revalidatePath(`/t/${teamSlug}/api-keys`);
    // The key goes to the admin who made it, this once; it is not stored anywhere it could be read again.
    return { ok: true, result: { key: created.key, name: created.name, expiresAt: created.expiresAt?.toISOString() ?? "", scopes: created.scopes.join(" ") } };
  } catch (error) {
    return refusalState(error);
  }
}

export async function revokeApiKeyAction(teamSlug: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, _previous, formData], [argument.teamSlug, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "ADMIN");
  const parsed = apiKeyRefSchema.safeParse(formObject(formData));
  if (!parsed.success || formData.get("confirm") !== "yes") return { error: "Confirm which key to revoke." };
  try {
    await revokeApiKey(team.id, actor, parsed.data.apiKeyId);
  } catch (error) {
    return refusalState(error);
  }
  revalidatePath(`/t/${teamSlug}/api-keys`);
  return { ok: true };
}
