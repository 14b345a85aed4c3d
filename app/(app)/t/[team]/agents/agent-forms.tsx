"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { CodeBlock, CopyField } from "@/components/copy-button";
import { ConfirmButton, Field, SubmitButton, useSchemaForm } from "@/components/form";
import { Alert, buttonStyles } from "@/components/ui";
import { AGENT_DEFAULT_ALLOW, agentRegisterFormSchema } from "@/lib/agents/schemas";
import type { FormState } from "@/lib/forms";
import { createAgentAction, deleteAgentAction, revokeAgentAction } from "./actions";

export function RegisterAgentForm({ teamSlug, keywayHost }: { teamSlug: string; keywayHost: string }) {
  const { state, action, errors, onSubmit } = useSchemaForm(agentRegisterFormSchema, createAgentAction.bind(null, teamSlug));
  const [dismissed, setDismissed] = useState<string | null>(null);
  const created = state.ok && state.result?.token && state.result.token !== dismissed ? state.result : null;

  if (created) {
    const token = created.token!;
    const command = created.command ?? "";
    return (
      <div className="space-y-4">
        <Alert tone="green" title={`Agent “${created.name}” registered`}>
          Copy its token now: Keyway keeps only a hash of it and will never show it again. If it is lost, register a new agent and revoke this one.
        </Alert>
        <CopyField label="Agent token" value={token} />
        <div>
          <p id="agent-start-command" className="text-sm font-medium text-slate-800">
            Start it on a machine inside your network
          </p>
          {/* Wrapped rather than scrolled, so the whole command can be read on a phone; the copy button copies it as written. */}
          <CodeBlock value={command} label="Copy command" wrap role="region" aria-labelledby="agent-start-command" className="mt-2" />
          <p className="mt-2 text-xs text-slate-600">
            The machine needs only Node.js 20 or later and outbound HTTPS to {keywayHost}: the agent connects out, so no inbound firewall rule is needed. It reaches only private
            network addresses unless it is started with <code className="font-mono">--allow</code>. Keep it running as a service (systemd, a container) so it comes back after a
            restart.
          </p>
        </div>
        <button type="button" className={buttonStyles.secondary} onClick={() => setDismissed(token)}>
          Done, I have copied it
        </button>
      </div>
    );
  }

  return (
    <form action={action} noValidate onSubmit={onSubmit} className="grid max-w-2xl gap-4">
      {state.error ? <Alert>{state.error}</Alert> : null}
      <Field
        label="Name"
        name="name"
        defaultValue={state.values?.name}
        error={errors.name}
        hint="Where it runs, e.g. “office network” or “eu-datacenter-1”; connections choose an agent by this name."
        autoComplete="off"
      />
      <Field
        label="Allowed destinations (optional)"
        name="allow"
        defaultValue={state.values?.allow}
        error={errors.allow}
        placeholder="10.1.0.0/16, api.internal, *.corp.example"
        hint={`What the agent may reach: addresses, CIDR ranges and host names (*.corp.example for subdomains), separated by commas. They go into the start command as --allow. Empty: the private ranges ${AGENT_DEFAULT_ALLOW}.`}
        autoComplete="off"
        spellCheck={false}
      />
      <div>
        <SubmitButton pendingText="Registering…">Register agent</SubmitButton>
      </div>
    </form>
  );
}

export function RevokeAgentButton({ teamSlug, agentId, name, connectionCount }: { teamSlug: string; agentId: string; name: string; connectionCount: number }) {
  const revoke = (previous: FormState, data: FormData) => {
    data.set("agentId", agentId);
    return revokeAgentAction(teamSlug, previous, data);
  };
  const effect =
    connectionCount === 0
      ? "It is disconnected within seconds and its token stops working."
      : `It is disconnected within seconds, its token stops working, and the ${connectionCount === 1 ? "connection that uses it fails" : `${connectionCount} connections that use it fail`} until moved to another agent.`;
  return <ConfirmButton label="Revoke" question={`Revoke “${name}”? ${effect}`} confirmLabel="Revoke agent" pendingText="Revoking…" action={revoke} />;
}

export function DeleteAgentButton({ teamSlug, agentId, name }: { teamSlug: string; agentId: string; name: string }) {
  const remove = (previous: FormState, data: FormData) => {
    data.set("agentId", agentId);
    return deleteAgentAction(teamSlug, previous, data);
  };
  return <ConfirmButton label="Delete" question={`Delete “${name}” from the list? The audit log keeps its history.`} confirmLabel="Delete agent" pendingText="Deleting…" action={remove} />;
}

/**
 * Re-renders the page from the server every few seconds while the tab is
 * visible, so an agent that comes online (or drops) shows without a reload.
 * Client state (a token being shown, an open confirmation) survives a refresh.
 */
export function RefreshWhileVisible({ everyMs = 5000 }: { everyMs?: number }) {
  const router = useRouter();
  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | undefined;
    function start() {
      timer ??= setInterval(() => router.refresh(), everyMs);
    }
    function stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    }
    function onVisibility() {
      if (document.visibilityState === "visible") {
        // Back on the tab: show the states as they are now, then keep them fresh.
        router.refresh();
        start();
      } else {
        stop();
      }
    }
    if (document.visibilityState === "visible") start();
    document.addEventListener("visibilitychange", onVisibility);
    return () => {
      stop();
      document.removeEventListener("visibilitychange", onVisibility);
    };
  }, [router, everyMs]);
  return null;
}
