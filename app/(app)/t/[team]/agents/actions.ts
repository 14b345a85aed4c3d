"use server";

import { argument, checkArguments } from "@/lib/action-arguments";
import { revalidatePath } from "next/cache";
import { requireMember } from "@/lib/access";
import { createAgent, deleteAgent, revokeAgent } from "@/lib/agents";
import { agentStartCommand } from "@/lib/agents/command";
import { agentRefSchema, agentRegisterFormSchema } from "@/lib/agents/schemas";
import { publicUrl } from "@/lib/config";
import { fieldErrorsOf, formObject, refusalState, type FormState } from "@/lib/forms";

// Admins only, checked again here on every call.

export async function createAgentAction(teamSlug: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, _previous, formData], [argument.teamSlug, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "ADMIN");
  const input = formObject(formData);
  const parsed = agentRegisterFormSchema.safeParse(input);
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error), values: input };
  try {
    const created = await createAgent(team.id, actor, parsed.data);
    revalidatePath(`/t/${teamSlug}/agents`);
    // The token goes to the admin who registered the agent, this once; only its hash is stored.
    return { ok: true, result: { token: created.token, name: created.name, command: agentStartCommand(publicUrl(), created.token, parsed.data.allow) } };
  } catch (error) {
    return refusalState(error);
  }
}

export async function revokeAgentAction(teamSlug: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, _previous, formData], [argument.teamSlug, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "ADMIN");
  const parsed = agentRefSchema.safeParse(formObject(formData));
  if (!parsed.success || formData.get("confirm") !== "yes") return { error: "Confirm which agent to revoke." };
  try {
    await revokeAgent(team.id, actor, parsed.data.agentId);
  } catch (error) {
    return refusalState(error);
  }
  revalidatePath(`/t/${teamSlug}/agents`);
  return { ok: true };
}

export async function deleteAgentAction(teamSlug: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, _previous, formData], [argument.teamSlug, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "ADMIN");
  const parsed = agentRefSchema.safeParse(formObject(formData));
  if (!parsed.success || formData.get("confirm") !== "yes") return { error: "Confirm which agent to delete." };
  try {
    await deleteAgent(team.id, actor, parsed.data.agentId);
  } catch (error) {
    return refusalState(error);
  }
  revalidatePath(`/t/${teamSlug}/agents`);
  return { ok: true };
}
