"use server";

import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { argument, checkArguments } from "@/lib/action-arguments";
import { publicUrl } from "@/lib/config";
import { startConnectLinkAuthorization, submitConnectLinkSecrets } from "@/lib/connect-links";
import { CONNECT_LINK_COOKIE, CONNECT_LINK_COOKIE_MAX_AGE_S } from "@/lib/connect-links/cookie";
import { DomainError } from "@/lib/errors";
import { formObject, refusalState, type FormState } from "@/lib/forms";
import { clientIp } from "@/lib/request-ip";

// The connect link's two actions, for a person with no Keyway session: the
// token is the only authority. Server actions refuse cross-site posts (Next
// compares Origin with Host), so another site cannot submit them for a visitor.

export async function startConnectLinkAction(token: string, _previous: FormState): Promise<FormState> {
  checkArguments([token], [argument.token]);
  let started: Awaited<ReturnType<typeof startConnectLinkAuthorization>>;
  try {
    started = await startConnectLinkAuthorization(token, clientIp(await headers()));
  } catch (error) {
    return refusalState(error);
  }
  (await cookies()).set(CONNECT_LINK_COOKIE, started.nonce, { httpOnly: true, sameSite: "lax", secure: publicUrl().startsWith("https:"), path: "/", maxAge: CONNECT_LINK_COOKIE_MAX_AGE_S });
  if ("failed" in started) redirect(`/connect/done?attempt=${started.failed}`);
  redirect(started.url);
}

export async function submitConnectLinkSecretsAction(token: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([token, _previous, formData], [argument.token, argument.previousState, argument.form]);
  try {
    const saved = await submitConnectLinkSecrets(token, formObject(formData), clientIp(await headers()));
    if ("fieldErrors" in saved) return { fieldErrors: saved.fieldErrors };
  } catch (error) {
    if (error instanceof DomainError) return refusalState(error);
    throw error;
  }
  return { ok: true, message: "Saved. The team can use the connection now; you can close this page." };
}
