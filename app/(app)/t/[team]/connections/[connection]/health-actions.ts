"use server";

import { revalidatePath } from "next/cache";
import { requireMember } from "@/lib/access";
import { argument, checkArguments } from "@/lib/action-arguments";
import { fieldErrorsOf, formObject, refusalState, type FormState } from "@/lib/forms";
import { runHealthCheck } from "@/lib/health/check";
import { healthSettingsSchema, saveHealthSettings } from "@/lib/health/settings";

// Members set up and run a connection's health check (as they test it); viewers only read. Checked again here.

export async function saveHealthSettingsAction(teamSlug: string, connectionId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, connectionId, _previous, formData], [argument.teamSlug, argument.id, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "MEMBER");
  const raw = formObject(formData);
  const parsed = healthSettingsSchema.safeParse({ ...raw, enabled: raw.enabled === "on" });
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error), values: raw };
  try {
    await saveHealthSettings(team.id, actor, connectionId, parsed.data);
  } catch (error) {
    return refusalState(error);
  }
  revalidatePath(`/t/${teamSlug}/connections/${connectionId}`);
  return { ok: true, message: parsed.data.enabled ? "Health check saved. It runs within a minute, then on its interval." : "Health check saved and paused." };
}

export async function runCheckNowAction(teamSlug: string, connectionId: string, _previous: FormState): Promise<FormState> {
  checkArguments([teamSlug, connectionId], [argument.teamSlug, argument.id]);
  const { team } = await requireMember(teamSlug, "MEMBER");
  try {
    const outcome = await runHealthCheck(connectionId, null, team.id);
    revalidatePath(`/t/${teamSlug}/connections/${connectionId}`);
    revalidatePath(`/t/${teamSlug}/connections`);
    if (!outcome) return { error: "There is nothing to check yet: set the check's request below (or send a successful test request, which becomes it)." };
    return { ok: outcome.state === "WORKING", message: outcome.summary };
  } catch (error) {
    return refusalState(error);
  }
}
