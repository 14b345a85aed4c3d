"use server";

import { revalidatePath } from "next/cache";
import { requireMember } from "@/lib/access";
import { argument, checkArguments } from "@/lib/action-arguments";
import { createChannel, deleteChannel, redeliver, sendTestEvent, updateChannel } from "@/lib/notifications";
import { channelFormInput, channelInputSchema, channelRefSchema, deliveryRefSchema } from "@/lib/notifications/schemas";
import { fieldErrorsOf, formObject, refusalState, type FormState } from "@/lib/forms";

// Admins only, checked again here on every call. A Slack URL typed in is never echoed back.

function echo(formData: FormData): Record<string, string> {
  const { slackUrl: _secret, ...values } = formObject(formData);
  return { ...values, eventTypes: formData.getAll("eventTypes").join(" ") };
}

export async function createChannelAction(teamSlug: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, _previous, formData], [argument.teamSlug, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "ADMIN");
  const parsed = channelInputSchema.safeParse(channelFormInput(formData));
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error), values: echo(formData) };
  try {
    const created = await createChannel(team.id, actor, parsed.data);
    revalidatePath(`/t/${teamSlug}/notifications`);
    // The signing secret goes to the admin who made the channel, this once.
    return { ok: true, result: { id: created.id, name: parsed.data.name, ...(created.signingSecret ? { signingSecret: created.signingSecret } : {}) } };
  } catch (error) {
    return { ...refusalState(error), values: echo(formData) };
  }
}

export async function updateChannelAction(teamSlug: string, channelId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, channelId, _previous, formData], [argument.teamSlug, argument.id, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "ADMIN");
  const parsed = channelInputSchema.safeParse(channelFormInput(formData));
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error), values: echo(formData) };
  try {
    const updated = await updateChannel(team.id, actor, channelId, parsed.data, { rollSecret: formData.get("rollSecret") === "on" });
    revalidatePath(`/t/${teamSlug}/notifications`);
    return { ok: true, message: "Saved.", result: updated.signingSecret ? { signingSecret: updated.signingSecret } : {} };
  } catch (error) {
    return { ...refusalState(error), values: echo(formData) };
  }
}

export async function deleteChannelAction(teamSlug: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, _previous, formData], [argument.teamSlug, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "ADMIN");
  const parsed = channelRefSchema.safeParse(formObject(formData));
  if (!parsed.success || formData.get("confirm") !== "yes") return { error: "Confirm which channel to delete." };
  try {
    await deleteChannel(team.id, actor, parsed.data.channelId);
  } catch (error) {
    return refusalState(error);
  }
  revalidatePath(`/t/${teamSlug}/notifications`);
  return { ok: true };
}

export async function testChannelAction(teamSlug: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, _previous, formData], [argument.teamSlug, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "ADMIN");
  const parsed = channelRefSchema.safeParse(formObject(formData));
  if (!parsed.success) return { error: "Choose a channel." };
  try {
    await sendTestEvent(team.id, actor, parsed.data.channelId);
  } catch (error) {
    return refusalState(error);
  }
  revalidatePath(`/t/${teamSlug}/notifications`);
  return { ok: true, message: "Test event queued; its delivery shows in the log below within seconds." };
}

export async function redeliverAction(teamSlug: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, _previous, formData], [argument.teamSlug, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "ADMIN");
  const parsed = deliveryRefSchema.safeParse(formObject(formData));
  if (!parsed.success) return { error: "Choose a delivery." };
  try {
    await redeliver(team.id, actor, parsed.data.channelId, parsed.data.deliveryId);
  } catch (error) {
    return refusalState(error);
  }
  revalidatePath(`/t/${teamSlug}/notifications`);
  return { ok: true, message: "Queued again." };
}
