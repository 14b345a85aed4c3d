"use client";

import Link from "next/link";
import { useActionState, useEffect, useState, type FormEvent } from "react";
import { LiveTime } from "@/components/live-time";
import { Field, SubmitButton } from "@/components/form";
import { Alert, Badge, buttonStyles, cx, inputStyles, selectStyles } from "@/components/ui";
import { pathUnderBase } from "@/lib/connections/request-path";
import { TEST_METHODS } from "@/lib/connections/test-methods";
import type { TestRunView } from "@/lib/connections/test-request";
import { testConnectionAction, type TestState } from "../actions";
import { HeaderList } from "@/components/header-list";

type HeaderRow = { name: string; value: string };
type RunForDisplay = Omit<TestRunView, "createdAt"> & { createdAt: string | Date };

function newRunToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_");
}

/** The request in flight: what was sent, since when, and the token that cancels it. */
type InFlight = { method: string; path: string; startedAt: number; token: string; cancelling: boolean; cancelFailed: boolean };

export function TestPanel({
  teamSlug,
  connectionId,
  baseUrl,
  connectFirst,
}: {
  teamSlug: string;
  connectionId: string;
  baseUrl: string;
  /** The provider's name, when the connection must be connected before a test can carry a token. */
  connectFirst?: string;
}) {
  const [method, setMethod] = useState<(typeof TEST_METHODS)[number]>("GET");
  const [path, setPath] = useState("");
  const [headers, setHeaders] = useState<HeaderRow[]>([]);
  const [body, setBody] = useState("");
  const [state, action, pending] = useActionState<TestState, FormData>(testConnectionAction.bind(null, teamSlug, connectionId), {});
  const [inFlight, setInFlight] = useState<InFlight | null>(null);
  const [now, setNow] = useState(0);
  const errors = state.fieldErrors ?? {};
  const payload = JSON.stringify({ method, path, headers: headers.filter((h) => h.name.trim() !== ""), body });
  const editHref = `/t/${teamSlug}/connections/${connectionId}/edit`;
  const sending = pending && inFlight ? inFlight : null;

  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => setNow(performance.now()), 100);
    return () => clearInterval(timer);
  }, [pending]);

  // Runs before React reads the form's fields: each run carries a fresh token that names it for Cancel.
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    const token = newRunToken();
    const field = event.currentTarget.elements.namedItem("runToken");
    if (field instanceof HTMLInputElement) field.value = token;
    setInFlight({ method, path: path.trim() === "" ? "/" : path.trim(), startedAt: performance.now(), token, cancelling: false, cancelFailed: false });
  }

  async function cancel() {
    if (!inFlight || inFlight.cancelling) return;
    setInFlight({ ...inFlight, cancelling: true });
    const response = await fetch(`/t/${encodeURIComponent(teamSlug)}/connections/${encodeURIComponent(connectionId)}/test-cancel`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ runToken: inFlight.token }),
    }).catch(() => null);
    if (!response?.ok) setInFlight((current) => (current && current.token === inFlight.token ? { ...current, cancelling: false, cancelFailed: true } : current));
  }

  return (
    <section className="rounded-lg border border-slate-200 bg-white shadow-sm" aria-labelledby="test-heading">
      <header className="border-b border-slate-200 px-4 py-3 sm:px-5">
        <h2 id="test-heading" className="text-base font-semibold text-slate-900">
          Test connection
        </h2>
        <p className="mt-0.5 text-sm text-slate-600">Sends a request with this connection&apos;s authentication.</p>
      </header>
      <form action={action} onSubmit={onSubmit} className="space-y-4 px-4 py-4 sm:px-5">
        <input type="hidden" name="payload" value={payload} />
        <div className="grid gap-3 sm:grid-cols-[8rem_1fr]">
          <div>
            <label htmlFor="test-method" className="block text-sm font-medium text-slate-800">
              Method
            </label>
            <select id="test-method" className={cx(selectStyles, "mt-1")} value={method} onChange={(e) => setMethod(e.target.value as (typeof TEST_METHODS)[number])}>
              {TEST_METHODS.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </div>
          <Field id="test-path" label="Path" name="test-path" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/ (the base URL)" hint="Relative to the base URL, e.g. /users?limit=1" error={errors.path} autoComplete="off" />
        </div>
        {headers.map((header, index) => (
          <div key={index} className="grid gap-3 sm:grid-cols-[1fr_1.4fr_auto] sm:items-start">
            <Field id={`test-header-${index}-name`} label="Header name" name={`test-header-${index}-name`} value={header.name} onChange={(e) => setHeaders(headers.map((h, i) => (i === index ? { ...h, name: e.target.value } : h)))} error={errors[`headers.${index}.name`]} autoComplete="off" />
            <Field id={`test-header-${index}-value`} label="Value" name={`test-header-${index}-value`} value={header.value} onChange={(e) => setHeaders(headers.map((h, i) => (i === index ? { ...h, value: e.target.value } : h)))} error={errors[`headers.${index}.value`]} autoComplete="off" />
            <button type="button" className={cx(buttonStyles.ghost, "sm:mt-6")} onClick={() => setHeaders(headers.filter((_, i) => i !== index))}>
              Remove
            </button>
          </div>
        ))}
        <div>
          <button type="button" className={buttonStyles.ghost} onClick={() => setHeaders([...headers, { name: "", value: "" }])}>
            + Add a header
          </button>
        </div>
        {method !== "GET" && method !== "HEAD" ? (
          <div>
            <label htmlFor="test-body" className="block text-sm font-medium text-slate-800">
              Body
            </label>
            <textarea id="test-body" rows={4} value={body} onChange={(e) => setBody(e.target.value)} spellCheck={false} className={cx(inputStyles, "mt-1 font-mono text-xs")} placeholder='{"hello": "world"}' />
            {errors.body ? <p className="mt-1 text-sm text-red-700">{errors.body}</p> : null}
          </div>
        ) : null}
        <input type="hidden" name="runToken" defaultValue="" />
        {connectFirst ? (
          <Alert tone="amber" title="Connect first">
            Test requests carry the token {connectFirst} grants when you connect (above); until then they fail.
          </Alert>
        ) : null}
        {/* One primary button per screen: while Connect is the thing to do, this one steps back. */}
        <SubmitButton pendingText="Sending…" variant={connectFirst ? "secondary" : "primary"}>
          Send test request
        </SubmitButton>
        {state.error && !pending ? <Alert>{state.error}</Alert> : null}
      </form>
      {sending ? (
        <div className="flex flex-wrap items-center gap-3 border-t border-slate-200 px-4 py-3 sm:px-5" role="status" data-testid="test-sending">
          <span aria-hidden="true" className="h-3 w-3 shrink-0 animate-spin rounded-full border-2 border-brand-600 border-t-transparent" />
          <p className="min-w-0 flex-1 text-sm text-slate-800">
            {sending.cancelling ? "Cancelling " : "Sending "}
            <span className="font-medium">{sending.method}</span> <span className="break-words font-mono text-xs">{sending.path}</span>…{" "}
            <span className="tabular-nums text-slate-600" data-testid="test-elapsed">
              {(Math.max(0, now - sending.startedAt) / 1000).toFixed(1)} s
            </span>
            {sending.cancelFailed ? <span className="block text-xs text-red-700">Could not cancel it; it ends when the API answers or the time limit passes.</span> : null}
          </p>
          <button type="button" className={buttonStyles.secondary} onClick={cancel} disabled={sending.cancelling}>
            Cancel
          </button>
        </div>
      ) : null}
      {state.run ? (
        <div className={cx("border-t border-slate-200 px-4 py-4 transition-opacity sm:px-5", pending && "pointer-events-none opacity-40")} aria-live="polite" aria-busy={pending} data-testid="test-result">
          <h3 className="sr-only">{pending ? "Previous result" : "Result"}</h3>
          <TestRunDetails run={state.run} baseUrl={baseUrl} editHref={editHref} open />
        </div>
      ) : null}
    </section>
  );
}

function statusTone(run: RunForDisplay): "green" | "red" | "amber" | "slate" {
  if (run.ok) return "green";
  if (run.errorKind === "cancelled") return "slate";
  return run.status === 401 || run.status === 403 || run.status === null ? "red" : "amber";
}

/** One test run: the outcome in words, then (on demand) what came back. */
export function TestRunDetails({ run, baseUrl, editHref, open = false }: { run: RunForDisplay; baseUrl: string; editHref?: string; open?: boolean }) {
  const headerEntries = Object.entries(run.responseHeaders);
  return (
    <details open={open} className="group" data-testid="test-run">
      <summary className="flex cursor-pointer list-none flex-wrap items-center gap-2 [&::-webkit-details-marker]:hidden">
        <Badge tone={statusTone(run)}>{run.status ?? (run.errorKind === "cancelled" ? "Cancelled" : "Failed")}</Badge>
        <span className="text-sm font-medium text-slate-900">{run.method}</span>
        <span className="min-w-0 flex-1 truncate font-mono text-xs text-slate-600" title={run.url} data-testid="test-path">
          {pathUnderBase(run.url, baseUrl)}
        </span>
        <span className="text-xs text-slate-600">{run.durationMs} ms</span>
        <LiveTime date={run.createdAt} className="text-xs text-slate-500" />
      </summary>
      <div className="mt-3 space-y-3">
        <p className={cx("text-sm", run.ok ? "text-emerald-800" : "text-red-700")} data-testid="test-summary">
          {run.summary}
          {run.status === 401 && editHref ? (
            <>
              {" "}
              <Link href={editHref} className="font-medium text-brand-700 underline">
                Edit credentials
              </Link>
            </>
          ) : null}
        </p>
        {headerEntries.length > 0 ? (
          <div>
            <h4 className="text-xs font-medium uppercase tracking-wide text-slate-600">Response headers</h4>
            <HeaderList entries={headerEntries} className="max-h-48" />
          </div>
        ) : null}
        {run.responseBody !== null ? (
          <div>
            <h4 className="text-xs font-medium uppercase tracking-wide text-slate-600">
              Body{run.responseTruncated ? " (first 64 KB)" : ""}
            </h4>
            <pre className="mt-1 max-h-96 overflow-auto whitespace-pre-wrap [overflow-wrap:anywhere] rounded-md bg-ink-900 p-3 font-mono text-xs text-ink-100" data-testid="test-body">
              {run.responseBody || "(empty)"}
            </pre>
          </div>
        ) : null}
      </div>
    </details>
  );
}
