"use server";

import { argument, checkArguments } from "@/lib/action-arguments";
import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { changePassword, revokeOtherSessions, revokeSession } from "@/lib/auth/account";
import { currentSessionId, currentUser } from "@/lib/auth/session";
import type { AuditActor } from "@/lib/audit";
import { fieldErrorsOf, formObject, refusalState, type FormState } from "@/lib/forms";
import { clientIp } from "@/lib/request-ip";
import { changePasswordSchema } from "@/lib/schemas/auth";
import { recordId } from "@/lib/schemas/ids";

// Each action acts on the signed-in user's own account only: the user comes
// from the session, never from the form.

async function signedIn(): Promise<{ userId: string; actor: AuditActor; sessionId: string | undefined }> {
  const user = await currentUser();
  if (!user) redirect("/signin?callbackUrl=/account");
  return { userId: user.id, actor: { id: user.id, label: user.email, ip: clientIp(await headers()) }, sessionId: await currentSessionId() };
}

export async function changePasswordAction(_previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([_previous, formData], [argument.previousState, argument.form]);
  const { userId, actor, sessionId } = await signedIn();
  const parsed = changePasswordSchema.safeParse(formObject(formData));
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    await changePassword(userId, actor, sessionId, parsed.data);
  } catch (error) {
    return refusalState(error);
  }
  revalidatePath("/account");
  return { ok: true, message: "Password changed. Your other sessions are signed out." };
}

const sessionIdSchema = recordId();

export async function revokeSessionAction(_previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([_previous, formData], [argument.previousState, argument.form]);
  const { userId, actor } = await signedIn();
  const parsed = sessionIdSchema.safeParse(formData.get("sessionId"));
  if (!parsed.success) return { error: "Reload the page and try again." };
  try {
    await revokeSession(userId, actor, parsed.data);
  } catch (error) {
    return refusalState(error);
  }
  revalidatePath("/account");
  return { ok: true, message: "Session signed out." };
}

export async function signOutEverywhereElseAction(_previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([_previous, formData], [argument.previousState, argument.form]);
  const { userId, actor, sessionId } = await signedIn();
  if (formData.get("confirm") !== "yes") return { error: "Confirm that you want to sign out your other sessions." };
  const count = await revokeOtherSessions(userId, actor, sessionId);
  revalidatePath("/account");
  return { ok: true, message: count === 1 ? "1 other session signed out." : `${count} other sessions signed out.` };
}
