"use server";

import { argument, checkArguments } from "@/lib/action-arguments";
import { revalidatePath } from "next/cache";
import { requireMember } from "@/lib/access";
import { fieldErrorsOf, formObject, formValues, refusalState, type FormState } from "@/lib/forms";
import { webhookSigningSchema } from "@/lib/webhooks/schemas";
import { updateWebhookSigning } from "@/lib/webhooks/signing";
import { redeliverForward, setWebhookForward, webhookForwardSchema } from "@/lib/webhooks/forward";
import { recordId } from "@/lib/schemas/ids";
import { z } from "zod";

// Signing settings of a webhook receiver: members and above. The secret is never echoed back.

const ECHOED = ["signatureHeader", "encoding", "prefix"] as const;

export async function saveWebhookSigningAction(teamSlug: string, connectionId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, connectionId, _previous, formData], [argument.teamSlug, argument.id, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "MEMBER");
  const parsed = webhookSigningSchema.safeParse(formObject(formData));
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error), values: formValues(formData, ECHOED) };
  let outcome: Awaited<ReturnType<typeof updateWebhookSigning>>;
  try {
    outcome = await updateWebhookSigning(team.id, actor, connectionId, parsed.data);
  } catch (error) {
    return { ...refusalState(error), values: formValues(formData, ECHOED) };
  }
  revalidatePath(`/t/${teamSlug}/connections/${connectionId}`);
  const message = { set: "Signing secret saved: events without a valid signature are now refused.", cleared: "Signing secret removed: events are no longer checked.", unchanged: "Signature settings saved." }[outcome.secret];
  return { ok: true, message };
}

// Forwarding of a webhook receiver's events: members and above, like its signing settings.

export async function saveWebhookForwardAction(teamSlug: string, connectionId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, connectionId, _previous, formData], [argument.teamSlug, argument.id, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "MEMBER");
  const parsed = webhookForwardSchema.safeParse(formObject(formData));
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error), values: formValues(formData, ["url"]) };
  let saved: { url: string | null };
  try {
    saved = await setWebhookForward(team.id, actor, connectionId, parsed.data);
  } catch (error) {
    return { ...refusalState(error), values: formValues(formData, ["url"]) };
  }
  revalidatePath(`/t/${teamSlug}/connections/${connectionId}`);
  return { ok: true, message: saved.url ? "Saved: each event accepted from now on is forwarded." : "Forwarding stopped." };
}

const forwardRefSchema = z.object({ deliveryId: recordId("Choose a forward.") });

export async function redeliverForwardAction(teamSlug: string, connectionId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, connectionId, _previous, formData], [argument.teamSlug, argument.id, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "MEMBER");
  const parsed = forwardRefSchema.safeParse(formObject(formData));
  if (!parsed.success) return { error: "Choose a forward." };
  try {
    await redeliverForward(team.id, actor, connectionId, parsed.data.deliveryId);
  } catch (error) {
    return refusalState(error);
  }
  revalidatePath(`/t/${teamSlug}/connections/${connectionId}`);
  return { ok: true, message: "Queued again." };
}
