"use server";

import { revalidatePath } from "next/cache";
import { requireMember } from "@/lib/access";
import { argument, checkArguments } from "@/lib/action-arguments";
import { createConnectLink, revokeConnectLink } from "@/lib/connect-links";
import { connectLinkCreateSchema } from "@/lib/connect-links/schemas";
import { fieldErrorsOf, formObject, refusalState, type FormState } from "@/lib/forms";

// Connect links from the connection page: members and admins (viewers cannot
// change a connection, and a link changes it by proxy). Checked again here.

export async function createConnectLinkAction(teamSlug: string, connectionId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, connectionId, _previous, formData], [argument.teamSlug, argument.id, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "MEMBER");
  const parsed = connectLinkCreateSchema.safeParse(formObject(formData));
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error) };
  let url: string;
  try {
    ({ url } = await createConnectLink(team.id, actor, connectionId, parsed.data));
  } catch (error) {
    return refusalState(error);
  }
  revalidatePath(`/t/${teamSlug}/connections/${connectionId}`);
  // Shown once to the member who made it: only the token's hash is kept.
  return { ok: true, result: { url } };
}

export async function revokeConnectLinkAction(teamSlug: string, connectionId: string, linkId: string, _previous: FormState): Promise<FormState> {
  checkArguments([teamSlug, connectionId, linkId], [argument.teamSlug, argument.id, argument.id]);
  const { team, actor } = await requireMember(teamSlug, "MEMBER");
  try {
    await revokeConnectLink(team.id, actor, connectionId, linkId);
  } catch (error) {
    return refusalState(error);
  }
  revalidatePath(`/t/${teamSlug}/connections/${connectionId}`);
  return { ok: true };
}
