"use server";

import { argument, checkArguments } from "@/lib/action-arguments";
import { revalidatePath } from "next/cache";
import { requireMember } from "@/lib/access";
import { setCredentialsReadable } from "@/lib/connections/credentials";
import { refusalState, type FormState } from "@/lib/forms";

// "Allow services to read this connection's credentials": admins only, checked again here.

export async function setCredentialsAccessAction(teamSlug: string, connectionId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, connectionId, _previous, formData], [argument.teamSlug, argument.id, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "ADMIN");
  const allowed = formData.get("allowed") === "on";
  try {
    await setCredentialsReadable(team.id, actor, connectionId, allowed);
  } catch (error) {
    return refusalState(error);
  }
  revalidatePath(`/t/${teamSlug}/connections/${connectionId}`);
  return { ok: true, message: allowed ? "Services with a credentials:read key can now read these credentials; every read is in the audit log." : "Services can no longer read these credentials." };
}
