"use client";

import { useActionState, useState } from "react";
import { LiveTime } from "@/components/live-time";
import { Field, SubmitButton } from "@/components/form";
import { Alert, Badge, buttonStyles, cx, inputStyles, selectStyles } from "@/components/ui";
import { TEST_METHODS } from "@/lib/connections/test-methods";
import type { TestRunView } from "@/lib/connections/test-request";
import { testConnectionAction, type TestState } from "../actions";
import { HeaderList } from "@/components/header-list";

type HeaderRow = { name: string; value: string };
type RunForDisplay = Omit<TestRunView, "createdAt"> & { createdAt: string | Date };

export function TestPanel({ teamSlug, connectionId }: { teamSlug: string; connectionId: string }) {
  const [method, setMethod] = useState<(typeof TEST_METHODS)[number]>("GET");
  const [path, setPath] = useState("");
  const [headers, setHeaders] = useState<HeaderRow[]>([]);
  const [body, setBody] = useState("");
  const [state, action] = useActionState<TestState, FormData>(testConnectionAction.bind(null, teamSlug, connectionId), {});
  const errors = state.fieldErrors ?? {};
  const payload = JSON.stringify({ method, path, headers: headers.filter((h) => h.name.trim() !== ""), body });

  return (
    <section className="rounded-lg border border-slate-200 bg-white shadow-sm" aria-labelledby="test-heading">
      <header className="border-b border-slate-200 px-4 py-3 sm:px-5">
        <h2 id="test-heading" className="text-base font-semibold text-slate-900">
          Test connection
        </h2>
        <p className="mt-0.5 text-sm text-slate-600">Sends a request with this connection&apos;s authentication.</p>
      </header>
      <form action={action} className="space-y-4 px-4 py-4 sm:px-5">
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
        <SubmitButton pendingText="Sending…">Send test request</SubmitButton>
        {state.error ? <Alert>{state.error}</Alert> : null}
      </form>
      {state.run ? (
        <div className="border-t border-slate-200 px-4 py-4 sm:px-5" aria-live="polite" data-testid="test-result">
          <h3 className="sr-only">Result</h3>
          <TestRunDetails run={state.run} open />
        </div>
      ) : null}
    </section>
  );
}

function statusTone(run: RunForDisplay): "green" | "red" | "amber" {
  if (run.ok) return "green";
  return run.status === 401 || run.status === 403 || run.status === null ? "red" : "amber";
}

/** One test run: the outcome in words, then (on demand) what came back. */
export function TestRunDetails({ run, open = false }: { run: RunForDisplay; open?: boolean }) {
  const headerEntries = Object.entries(run.responseHeaders);
  return (
    <details open={open} className="group" data-testid="test-run">
      <summary className="flex cursor-pointer list-none flex-wrap items-center gap-2 [&::-webkit-details-marker]:hidden">
        <Badge tone={statusTone(run)}>{run.status ?? "Failed"}</Badge>
        <span className="text-sm font-medium text-slate-900">{run.method}</span>
        <span className="min-w-0 flex-1 truncate font-mono text-xs text-slate-600" title={run.url}>
          {run.url}
        </span>
        <span className="text-xs text-slate-600">{run.durationMs} ms</span>
        <LiveTime date={run.createdAt} className="text-xs text-slate-500" />
      </summary>
      <div className="mt-3 space-y-3">
        <p className={cx("text-sm", run.ok ? "text-emerald-800" : "text-red-700")} data-testid="test-summary">
          {run.summary}
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
            <pre className="mt-1 max-h-96 overflow-auto whitespace-pre-wrap break-all rounded-md bg-ink-900 p-3 font-mono text-xs text-ink-100" data-testid="test-body">
              {run.responseBody || "(empty)"}
            </pre>
          </div>
        ) : null}
      </div>
    </details>
  );
}
