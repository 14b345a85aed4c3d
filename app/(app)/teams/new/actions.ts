"use server";

import { argument, checkArguments } from "@/lib/action-arguments";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { currentUser } from "@/lib/auth/session";
import { fieldErrorsOf, formObject, type FormState } from "@/lib/forms";
import { clientIp } from "@/lib/request-ip";
import { teamNameSchema } from "@/lib/schemas/teams";
import { createTeam } from "@/lib/teams";

export async function createTeamAction(_previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([_previous, formData], [argument.previousState, argument.form]);
  const user = await currentUser();
  if (!user) redirect("/signin?callbackUrl=/teams/new");
  const input = formObject(formData);
  const parsed = teamNameSchema.safeParse(input);
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error), values: input };
  const team = await createTeam(user.id, { id: user.id, label: user.email, ip: clientIp(await headers()) }, parsed.data.name);
  // ?created: the members page confirms the new team and offers the next step (inviting people).
  redirect(`/t/${team.slug}/members?created=1`);
}
