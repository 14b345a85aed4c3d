"use client";

import { useState } from "react";
import { cx } from "./ui";

function ClipboardIcon({ done }: { done: boolean }) {
  return (
    <svg aria-hidden="true" viewBox="0 0 24 24" className="h-4 w-4 shrink-0" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
      {done ? (
        <path d="M5 12.5 10 17.5 19 7" />
      ) : (
        <>
          <rect x="8" y="8" width="12" height="12" rx="2" />
          <path d="M16 8V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h2" />
        </>
      )}
    </svg>
  );
}

/**
 * The one copy button: an icon and a short "Copy" that fits on a phone, what
 * it copies in the tooltip and the accessible name ("Copy API key"), and
 * "Copied" for two seconds after.
 */
export function CopyButton({ value, label = "Copy", className, tone = "default" }: { value: string; label?: string; className?: string; tone?: "default" | "ink" }) {
  const [copied, setCopied] = useState(false);
  return (
    <span className={cx("group/copy relative inline-flex shrink-0", className)}>
      <button
        type="button"
        aria-label={copied ? "Copied" : label}
        className={cx(
          "inline-flex items-center gap-1.5 rounded-md px-2.5 py-1.5 text-xs font-medium shadow-sm transition-colors",
          tone === "ink"
            ? "border border-ink-700 bg-ink-950 text-ink-100 hover:bg-ink-700"
            : "border border-slate-300 bg-white text-slate-800 hover:bg-slate-50",
        )}
        onClick={async () => {
          try {
            await navigator.clipboard.writeText(value);
          } catch {
            // Clipboard access can be refused (insecure origin); selecting the text is the fallback.
            const range = document.createRange();
            const target = document.querySelector(`[data-copy-source="${CSS.escape(value)}"], [data-copy-block="${CSS.escape(value)}"]`);
            if (target) {
              range.selectNodeContents(target);
              window.getSelection()?.removeAllRanges();
              window.getSelection()?.addRange(range);
            }
          }
          setCopied(true);
          setTimeout(() => setCopied(false), 2000);
        }}
      >
        <ClipboardIcon done={copied} />
        <span aria-hidden="true">{copied ? "Copied" : "Copy"}</span>
      </button>
      {label !== "Copy" ? (
        <span
          aria-hidden="true"
          className="pointer-events-none absolute bottom-full right-0 z-30 mb-1.5 hidden whitespace-nowrap rounded bg-ink-900 px-2 py-1 text-xs text-ink-100 shadow-md group-focus-within/copy:block group-hover/copy:block"
        >
          {copied ? "Copied" : label}
        </span>
      ) : null}
      <span className="sr-only" aria-live="polite">
        {copied ? "Copied" : ""}
      </span>
    </span>
  );
}

/** "Callback URL" → "Copy callback URL": lower-case the first word, keep acronyms. */
function copyLabel(label: string): string {
  return `Copy ${/^[A-Z][a-z]/.test(label) ? label[0]!.toLowerCase() + label.slice(1) : label}`;
}

export function CopyField({ value, label }: { value: string; label: string }) {
  return (
    <div>
      <p className="text-sm font-medium text-slate-800">{label}</p>
      <div className="mt-1 flex items-start gap-2">
        {/* Long values (tokens, URLs) wrap at any character: they have no words to break between. */}
        <code data-copy-source={value} className="block w-full min-w-0 flex-1 break-all rounded-md border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-xs text-slate-800">
          {value}
        </code>
        <CopyButton value={value} label={copyLabel(label)} className="mt-0.5" />
      </div>
    </div>
  );
}

/**
 * A block of code or a command to run, dark in both themes, with its copy
 * button in its top corner. `wrap` for commands that must be read whole on a
 * phone; otherwise long lines scroll.
 */
export function CodeBlock({
  value,
  label = "Copy",
  title,
  wrap = false,
  className,
  ...rest
}: {
  value: string;
  label?: string;
  title?: string;
  wrap?: boolean;
  className?: string;
} & Omit<React.ComponentProps<"pre">, "children">) {
  return (
    <div className={cx("rounded-md border border-slate-200 bg-ink-900", className)}>
      <div className="flex items-center justify-between gap-2 rounded-t-md border-b border-ink-700 px-3 py-1.5">
        <span className="truncate text-xs font-medium text-ink-100">{title ?? ""}</span>
        <CopyButton value={value} label={label} tone="ink" />
      </div>
      <pre
        tabIndex={0}
        // Not data-copy-source: that marks the one copyable value of a field (tests and the API-key journeys read it).
        data-copy-block={value}
        className={cx("max-h-96 overflow-auto rounded-b-md p-3 font-mono text-xs leading-relaxed text-ink-100", wrap ? "whitespace-pre-wrap break-all" : "whitespace-pre")}
        {...rest}
      >
        {value}
      </pre>
    </div>
  );
}
