"use client";

import { useActionState, useState } from "react";
import { SubmitButton } from "@/components/form";
import { buttonStyles, selectStyles, cx } from "@/components/ui";
import type { FormState } from "@/lib/forms";
import { changeRoleAction, removeMemberAction, revokeInvitationAction } from "../actions";

const LABELS = { OWNER: "Owner", ADMIN: "Admin", MEMBER: "Member", VIEWER: "Viewer" } as const;
type Role = keyof typeof LABELS;

function Feedback({ state }: { state: FormState }) {
  const message = state.error ?? state.fieldErrors?.role ?? state.message;
  if (!message) return null;
  return (
    <p role={state.error || state.fieldErrors ? "alert" : "status"} className={cx("w-full text-sm sm:w-auto", state.ok ? "text-emerald-700" : "text-red-700")}>
      {message}
    </p>
  );
}

export function RoleForm({ teamSlug, membershipId, current, roles, who }: { teamSlug: string; membershipId: string; current: Role; roles: Role[]; who: string }) {
  const [state, action] = useActionState<FormState, FormData>(changeRoleAction.bind(null, teamSlug), {});
  const selectId = `role-${membershipId}`;
  return (
    <form action={action} className="flex flex-wrap items-center gap-2">
      <input type="hidden" name="membershipId" value={membershipId} />
      <label htmlFor={selectId} className="sr-only">
        Role for {who}
      </label>
      <select id={selectId} name="role" defaultValue={current} className={selectStyles}>
        {roles.map((role) => (
          <option key={role} value={role}>
            {LABELS[role]}
          </option>
        ))}
      </select>
      <SubmitButton variant="secondary" className="py-1.5" pendingText="Saving…" aria-label={`Save role for ${who}`}>
        Save
      </SubmitButton>
      <Feedback state={state} />
    </form>
  );
}

export function RemoveMemberButton({ teamSlug, membershipId, who }: { teamSlug: string; membershipId: string; who: string }) {
  const [state, action] = useActionState<FormState, FormData>(removeMemberAction.bind(null, teamSlug), {});
  const [confirming, setConfirming] = useState(false);
  if (!confirming) {
    return (
      <button type="button" className={cx(buttonStyles.ghost, "py-1.5 text-red-700 hover:bg-red-50")} onClick={() => setConfirming(true)}>
        Remove
      </button>
    );
  }
  return (
    <form action={action} className="flex flex-wrap items-center gap-2 rounded-md bg-red-50 px-2 py-1">
      <input type="hidden" name="membershipId" value={membershipId} />
      <span className="text-sm text-red-800">Remove {who}?</span>
      <button type="button" className={cx(buttonStyles.ghost, "py-1")} onClick={() => setConfirming(false)}>
        Cancel
      </button>
      <SubmitButton variant="danger" className="py-1" pendingText="Removing…">
        Remove {who}
      </SubmitButton>
      <Feedback state={state} />
    </form>
  );
}

export function RevokeInvitationButton({ teamSlug, invitationId }: { teamSlug: string; invitationId: string }) {
  const [state, action] = useActionState<FormState, FormData>(revokeInvitationAction.bind(null, teamSlug), {});
  return (
    <form action={action} className="flex items-center gap-2">
      <input type="hidden" name="invitationId" value={invitationId} />
      <SubmitButton variant="secondary" className="py-1.5" pendingText="Withdrawing…">
        Withdraw
      </SubmitButton>
      <Feedback state={state} />
    </form>
  );
}
