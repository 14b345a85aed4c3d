"use client";

import { useActionState } from "react";
import { SubmitButton } from "@/components/form";
import { Alert } from "@/components/ui";
import type { FormState } from "@/lib/forms";
import { setCredentialsAccessAction } from "./credentials-actions";

export function CredentialsAccessForm({ teamSlug, connectionId, allowed }: { teamSlug: string; connectionId: string; allowed: boolean }) {
  const [state, action] = useActionState<FormState, FormData>(setCredentialsAccessAction.bind(null, teamSlug, connectionId), {});
  return (
    <form action={action} className="space-y-3">
      {state.ok ? <Alert tone="green">{state.message}</Alert> : null}
      {state.error ? <Alert>{state.error}</Alert> : null}
      <label className="flex items-start gap-2 text-sm text-slate-800">
        <input type="checkbox" name="allowed" defaultChecked={allowed} className="mt-0.5" aria-describedby="credentials-access-hint" />
        <span>Allow services to read this connection&apos;s credentials</span>
      </label>
      <p id="credentials-access-hint" className="text-xs text-slate-600">
        For code that needs the raw token or key (an SDK that wants a token, not a base URL): a key with the <code className="font-mono">credentials:read</code> scope may then call{" "}
        <code className="break-all font-mono">GET /api/v1/connections/{connectionId}/credentials</code>. Every read is in the audit log. Leave it off when the proxy is enough.
      </p>
      <SubmitButton variant="secondary" pendingText="Saving…">
        Save
      </SubmitButton>
    </form>
  );
}
