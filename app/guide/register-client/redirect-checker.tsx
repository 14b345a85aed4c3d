"use client";

import { useState } from "react";
import { Badge, cx, inputStyles } from "@/components/ui";
import { checkRedirectUri } from "@/lib/oauth/redirect-check";

/** Paste what the provider showed; see part by part how it differs from this instance's callback URL. */
export function RedirectChecker({ callbackUrl }: { callbackUrl: string }) {
  const [pasted, setPasted] = useState("");
  const result = pasted.trim() === "" ? null : checkRedirectUri(pasted, callbackUrl);
  return (
    <div className="space-y-3">
      <div>
        <label htmlFor="redirect-check" className="block text-sm font-medium text-slate-800">
          Redirect URI, or the URL of the provider&apos;s error page
        </label>
        <textarea
          id="redirect-check"
          rows={2}
          value={pasted}
          onChange={(e) => setPasted(e.target.value)}
          spellCheck={false}
          className={cx(inputStyles, "mt-1 font-mono text-xs")}
          placeholder="https://accounts.google.com/o/oauth2/v2/auth?client_id=…&redirect_uri=…"
        />
      </div>
      <div aria-live="polite" data-testid="redirect-check-result">
        {result === null ? null : !result.ok ? (
          <p className="text-sm text-red-700">{result.problem}</p>
        ) : result.identical ? (
          <p className="text-sm font-medium text-emerald-800">This is exactly this instance&apos;s callback URL. If the provider still refuses it, check that it is registered for the same client ID that Keyway uses.</p>
        ) : (
          <div className="space-y-2">
            <p className="text-sm text-slate-700">
              {result.source === "redirect_uri parameter" ? "The redirect_uri in that URL is " : "You pasted "}
              <span className="break-all font-mono text-xs">{result.found}</span>.{" "}
              {result.parts.some((p) => !p.same) ? "It differs from the callback URL here:" : "It differs from the callback URL only in how it is written; register the callback URL exactly as shown above."}
            </p>
            <div className="overflow-x-auto rounded-md border border-slate-200">
              <table className="min-w-full divide-y divide-slate-200 text-sm">
                <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-600">
                  <tr>
                    <th scope="col" className="px-3 py-2">Part</th>
                    <th scope="col" className="px-3 py-2">Yours</th>
                    <th scope="col" className="px-3 py-2">This instance</th>
                    <th scope="col" className="px-3 py-2">Verdict</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {result.parts.map((p) => (
                    <tr key={p.part} className={p.same ? undefined : "bg-red-50"}>
                      <th scope="row" className="px-3 py-2 text-left font-medium text-slate-800">
                        {p.part}
                      </th>
                      <td className="break-all px-3 py-2 font-mono text-xs">{p.yours}</td>
                      <td className="break-all px-3 py-2 font-mono text-xs">{p.expected}</td>
                      <td className="px-3 py-2">{p.same ? <Badge tone="green">same</Badge> : <Badge tone="red">differs</Badge>}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <ul className="list-disc space-y-1 pl-5 text-sm text-red-800">
              {result.parts
                .filter((p) => !p.same)
                .map((p) => (
                  <li key={p.part}>
                    <span className="font-medium">{p.part}:</span> {p.fix}
                  </li>
                ))}
            </ul>
          </div>
        )}
      </div>
    </div>
  );
}
