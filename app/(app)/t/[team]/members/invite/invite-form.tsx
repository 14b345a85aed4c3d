"use client";

import Link from "next/link";
import { LiveTime } from "@/components/live-time";
import { useState } from "react";
import { CopyField } from "@/components/copy-button";
import { Field, SubmitButton, useSchemaForm } from "@/components/form";
import { Alert, buttonStyles, cx } from "@/components/ui";
import { invitationSchema } from "@/lib/schemas/teams";
import { inviteAction } from "../../actions";

const LABELS = { OWNER: "Owner", ADMIN: "Admin", MEMBER: "Member", VIEWER: "Viewer" } as const;

export function InviteForm({ teamSlug, roles }: { teamSlug: string; roles: Array<{ role: keyof typeof LABELS; description: string }> }) {
  const { state, action, errors, onSubmit } = useSchemaForm(invitationSchema, inviteAction.bind(null, teamSlug));
  const [formKey, setFormKey] = useState(0);

  if (state.ok && state.result?.link && formKey === 0) {
    return (
      <div className="space-y-4">
        <Alert tone="green" title="Invitation link created">
          Copy it now: for your security Keyway shows it only once. Whoever opens it{state.result.email ? ` signed in as ${state.result.email}` : ""} joins this team with the role{" "}
          {LABELS[state.result.role as keyof typeof LABELS]}. It works once and expires <LiveTime date={state.result.expiresAt ?? ""} />.
          {state.result.emailed ? ` Keyway also emails it to ${state.result.email}.` : ""}
        </Alert>
        <CopyField label="Invitation link" value={state.result.link} />
        <div className="flex flex-wrap gap-2">
          <button type="button" className={buttonStyles.secondary} onClick={() => setFormKey((k) => k + 1)}>
            Invite someone else
          </button>
          <Link href={`/t/${teamSlug}/members`} className={buttonStyles.ghost}>
            Back to members
          </Link>
        </div>
      </div>
    );
  }

  return (
    <form
      key={formKey}
      action={(data) => {
        setFormKey(0);
        return action(data);
      }}
      noValidate
      className="space-y-5"
      onSubmit={onSubmit}
    >
      {state.error ? <Alert>{state.error}</Alert> : null}
      <fieldset>
        <legend className="text-sm font-medium text-slate-800">Role</legend>
        <div className="mt-2 grid gap-2 sm:grid-cols-2">
          {roles.map(({ role, description }) => (
            <label key={role} className="flex cursor-pointer gap-3 rounded-md border border-slate-200 p-3 hover:bg-slate-50 has-[:checked]:border-brand-600 has-[:checked]:bg-brand-50">
              <input type="radio" name="role" value={role} defaultChecked={role === (state.values?.role ?? "MEMBER")} className="mt-0.5 accent-brand-600" />
              <span>
                <span className="block text-sm font-medium text-slate-900">{LABELS[role]}</span>
                <span className="block text-xs text-slate-600">{description}</span>
              </span>
            </label>
          ))}
        </div>
        {errors.role ? <p className="mt-1 text-sm text-red-700">{errors.role}</p> : null}
      </fieldset>
      <Field
        label="Email (optional)"
        name="email"
        type="email"
        autoComplete="off"
        defaultValue={state.values?.email}
        error={errors.email}
        hint="If you give one, only the account with this email can use the link."
      />
      <SubmitButton pendingText="Creating link…" className={cx("w-full sm:w-auto")}>
        Create invitation link
      </SubmitButton>
    </form>
  );
}
