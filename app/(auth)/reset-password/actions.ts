"use server";

import { argument, checkArguments } from "@/lib/action-arguments";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { resetPassword } from "@/lib/auth/account";
import { fieldErrorsOf, formObject, refusalState, type FormState } from "@/lib/forms";
import { clientIp } from "@/lib/request-ip";
import { resetPasswordSchema } from "@/lib/schemas/auth";

export async function resetPasswordAction(token: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([token, _previous, formData], [argument.token, argument.previousState, argument.form]);
  const parsed = resetPasswordSchema.safeParse({ ...formObject(formData), token });
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    await resetPassword(parsed.data.token, parsed.data.newPassword, clientIp(await headers()));
  } catch (error) {
    return refusalState(error);
  }
  redirect("/signin?reset=1");
}
