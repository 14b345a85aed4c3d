"use server";

import { argument, checkArguments } from "@/lib/action-arguments";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { requireMember } from "@/lib/access";
import { publicUrl } from "@/lib/config";
import { queueInvitationEmail } from "@/lib/notifications/invitation-mail";
import { fieldErrorsOf, formObject, refusalState as refusal, type FormState } from "@/lib/forms";
import { deleteTeamSchema, invitationRefSchema, invitationSchema, membershipRefSchema, roleChangeSchema, teamNameSchema } from "@/lib/schemas/teams";
import { changeRole, createInvitation, deleteTeam, removeMember, renameTeam, revokeInvitation } from "@/lib/teams";

// Each action re-checks membership and role on the server: a stale page or a
// hand-made request from someone whose role changed is refused here.

export async function inviteAction(teamSlug: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, _previous, formData], [argument.teamSlug, argument.previousState, argument.form]);
  const { team, membership, user, actor } = await requireMember(teamSlug, "ADMIN");
  const input = formObject(formData);
  const parsed = invitationSchema.safeParse(input);
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error), values: input };
  try {
    const { invitation, token } = await createInvitation(team.id, { userId: user.id, role: membership.role, actor }, parsed.data);
    const emailed = invitation.email ? await queueInvitationEmail(invitation.id, token) : false;
    revalidatePath(`/t/${teamSlug}/members`);
    return {
      ok: true,
      result: {
        link: `${publicUrl()}/invite/${token}`,
        role: invitation.role,
        expiresAt: invitation.expiresAt.toISOString(),
        email: invitation.email ?? "",
        emailed: emailed ? "yes" : "",
      },
    };
  } catch (error) {
    return refusal(error);
  }
}

export async function revokeInvitationAction(teamSlug: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, _previous, formData], [argument.teamSlug, argument.previousState, argument.form]);
  const { team, membership, user, actor } = await requireMember(teamSlug, "ADMIN");
  const parsed = invitationRefSchema.safeParse(formObject(formData));
  if (!parsed.success) return { error: "Choose an invitation." };
  try {
    await revokeInvitation(team.id, { userId: user.id, role: membership.role, actor }, parsed.data.invitationId);
  } catch (error) {
    return refusal(error);
  }
  revalidatePath(`/t/${teamSlug}/members`);
  return { ok: true, message: "Invitation withdrawn." };
}

export async function changeRoleAction(teamSlug: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, _previous, formData], [argument.teamSlug, argument.previousState, argument.form]);
  const { team, membership, user, actor } = await requireMember(teamSlug, "ADMIN");
  const parsed = roleChangeSchema.safeParse(formObject(formData));
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error) };
  try {
    await changeRole(team.id, { userId: user.id, role: membership.role, actor }, parsed.data.membershipId, parsed.data.role);
  } catch (error) {
    return refusal(error);
  }
  revalidatePath(`/t/${teamSlug}`, "layout");
  return { ok: true, message: "Role saved." };
}

export async function removeMemberAction(teamSlug: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, _previous, formData], [argument.teamSlug, argument.previousState, argument.form]);
  // Any member may leave; removing someone else needs admin, which lib/teams checks.
  const { team, membership, user, actor } = await requireMember(teamSlug, "VIEWER");
  const parsed = membershipRefSchema.safeParse(formObject(formData));
  if (!parsed.success) return { error: "Choose a member." };
  const leaving = parsed.data.membershipId === membership.id;
  try {
    await removeMember(team.id, { userId: user.id, role: membership.role, actor }, parsed.data.membershipId);
  } catch (error) {
    return refusal(error);
  }
  if (leaving) redirect("/");
  revalidatePath(`/t/${teamSlug}/members`);
  return { ok: true, message: "Member removed." };
}

export async function renameTeamAction(teamSlug: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, _previous, formData], [argument.teamSlug, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "ADMIN");
  const input = formObject(formData);
  const parsed = teamNameSchema.safeParse(input);
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error), values: input };
  await renameTeam(team.id, actor, parsed.data.name);
  revalidatePath(`/t/${teamSlug}`, "layout");
  return { ok: true, message: "Team name saved." };
}

export async function deleteTeamAction(teamSlug: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, _previous, formData], [argument.teamSlug, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "OWNER");
  const parsed = deleteTeamSchema.safeParse(formObject(formData));
  if (!parsed.success || parsed.data.confirmSlug !== team.slug) {
    return { fieldErrors: { confirmSlug: `Type ${team.slug} to confirm.` } };
  }
  await deleteTeam(team.id, actor);
  redirect("/");
}
