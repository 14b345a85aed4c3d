"use client";

import { useState } from "react";
import { buttonStyles, cx } from "./ui";

export function CopyButton({ value, label = "Copy", className }: { value: string; label?: string; className?: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className={cx(buttonStyles.secondary, "shrink-0", className)}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(value);
        } catch {
          // Clipboard access can be refused (insecure origin); selecting the text is the fallback.
          const range = document.createRange();
          const target = document.querySelector(`[data-copy-source="${CSS.escape(value)}"]`);
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
      <span aria-live="polite">{copied ? "Copied" : label}</span>
    </button>
  );
}

export function CopyField({ value, label }: { value: string; label: string }) {
  return (
    // Side by side only where the field itself is wide enough (a container query, not the viewport): in a narrow card the button goes below.
    <div className="@container">
      <p className="text-sm font-medium text-slate-800">{label}</p>
      <div className="mt-1 flex flex-col items-start gap-2 @md:flex-row @md:items-stretch">
        <code data-copy-source={value} className="block w-full min-w-0 flex-1 break-all rounded-md border border-slate-300 bg-slate-50 px-3 py-2 font-mono text-xs text-slate-800">
          {value}
        </code>
        {/* "Callback URL" → "Copy callback URL": lower-case the first word, keep acronyms. */}
        <CopyButton value={value} label={`Copy ${/^[A-Z][a-z]/.test(label) ? label[0]!.toLowerCase() + label.slice(1) : label}`} />
      </div>
    </div>
  );
}
