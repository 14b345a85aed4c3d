"use client";

import { useActionState } from "react";
import { SubmitButton } from "@/components/form";
import { Alert } from "@/components/ui";
import type { FormState } from "@/lib/forms";
import { acceptInvitationAction } from "./actions";

export function AcceptInvitationForm({ token, email }: { token: string; email: string }) {
  const [state, action] = useActionState<FormState>(acceptInvitationAction.bind(null, token), {});
  return (
    <form action={action} className="space-y-3">
      {state.error ? <Alert>{state.error}</Alert> : null}
      <SubmitButton className="w-full" pendingText="Joining…">
        Accept invitation
      </SubmitButton>
      <p className="text-center text-xs text-slate-600">You are signed in as {email}.</p>
    </form>
  );
}
