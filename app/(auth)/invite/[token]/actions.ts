"use server";

import { argument, checkArguments } from "@/lib/action-arguments";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { currentUser } from "@/lib/auth/session";
import { DomainError } from "@/lib/errors";
import type { FormState } from "@/lib/forms";
import { clientIp } from "@/lib/request-ip";
import { acceptInvitation } from "@/lib/teams";

export async function acceptInvitationAction(token: string, _previous: FormState): Promise<FormState> {
  checkArguments([token], [argument.token]);
  const user = await currentUser();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(`/invite/${token}`)}`);
  let teamSlug: string;
  try {
    teamSlug = (await acceptInvitation(token, user, clientIp(await headers()))).slug;
  } catch (error) {
    if (error instanceof DomainError) return { error: error.message };
    throw error;
  }
  redirect(`/t/${teamSlug}?joined=1`);
}
