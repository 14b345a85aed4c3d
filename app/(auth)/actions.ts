"use server";

import { argument, checkArguments } from "@/lib/action-arguments";
import { AuthError, CredentialsSignin } from "next-auth";
import { headers } from "next/headers";
import { signIn, OIDC_PROVIDER_ID } from "@/lib/auth";
import { hashPassword } from "@/lib/auth/password";
import { takeSignUpAttempt } from "@/lib/auth/rate-limit";
import { config } from "@/lib/config";
import { db } from "@/lib/db";
import { fieldErrorsOf, formObject, type FormState } from "@/lib/forms";
import { clientIp } from "@/lib/request-ip";
import { safeCallbackPath } from "@/lib/safe-redirect";
import { signInSchema, signUpSchema } from "@/lib/schemas/auth";
import { createUserWithPersonalTeam, findInvitation } from "@/lib/teams";

// With sign-up turned off, a person holding a pending invitation may still create an account.
async function arrivesWithInvitation(callbackUrl: string | undefined): Promise<boolean> {
  const token = callbackUrl?.match(/^\/invite\/([A-Za-z0-9_-]+)$/)?.[1];
  return token ? (await findInvitation(token))?.state === "pending" : false;
}

const SIGN_IN_REFUSED = "Email or password is incorrect.";

async function signInWithPassword(email: string, password: string, redirectTo: string): Promise<FormState | never> {
  try {
    await signIn("credentials", { email, password, redirectTo });
    return {};
  } catch (error) {
    if (error instanceof CredentialsSignin && error.code === "service_unavailable") {
      return { error: "Keyway cannot reach its database, so nobody can sign in right now. Try again in a minute.", values: { email } };
    }
    if (error instanceof CredentialsSignin && error.code === "rate_limited") {
      return { error: "Too many sign-in attempts for this account or network. Wait 15 minutes and try again.", values: { email } };
    }
    if (error instanceof AuthError) return { error: SIGN_IN_REFUSED, values: { email } };
    throw error; // Next's redirect after a successful sign-in travels as an exception.
  }
}

export async function signInAction(_previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([_previous, formData], [argument.previousState, argument.form]);
  const input = formObject(formData);
  const parsed = signInSchema.safeParse(input);
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error), values: { email: input.email ?? "" } };
  return signInWithPassword(parsed.data.email, parsed.data.password, safeCallbackPath(input.callbackUrl));
}

export async function signUpAction(_previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([_previous, formData], [argument.previousState, argument.form]);
  const input = formObject(formData);
  const values = { name: input.name ?? "", email: input.email ?? "" };
  if (config().KEYWAY_DISABLE_SIGNUP && !(await arrivesWithInvitation(input.callbackUrl))) {
    return { error: "Sign-up is turned off on this Keyway. Ask an admin for an invitation.", values };
  }
  const parsed = signUpSchema.safeParse(input);
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error), values };

  const verdict = await takeSignUpAttempt(clientIp(await headers()));
  if (!verdict.allowed) return { error: "Too many new accounts from this network. Try again in an hour.", values };

  const { name, email, password } = parsed.data;
  const existing = await db.user.findUnique({ where: { email }, select: { id: true } });
  if (existing) {
    return { error: "We could not create an account with these details. If you already have an account, sign in instead.", values };
  }
  const passwordHash = await hashPassword(password);
  let teamSlug: string;
  try {
    teamSlug = (await createUserWithPersonalTeam({ name, email, passwordHash, ip: clientIp(await headers()) })).team.slug;
  } catch (error) {
    // Two sign-ups with one address at the same moment: the unique index decides.
    if (error instanceof Error && "code" in error && error.code === "P2002") {
      return { error: "We could not create an account with these details. If you already have an account, sign in instead.", values };
    }
    throw error;
  }
  return signInWithPassword(email, password, safeCallbackPath(input.callbackUrl, `/t/${teamSlug}`));
}

export async function singleSignOnAction(formData: FormData): Promise<void> {
  checkArguments([formData], [argument.form]);
  await signIn(OIDC_PROVIDER_ID, { redirectTo: safeCallbackPath(formData.get("callbackUrl")) });
}
