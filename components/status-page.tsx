import Link from "next/link";
import type { ReactNode } from "react";
import { CopyButton } from "./copy-button";
import { Logo, buttonStyles, cx } from "./ui";

/**
 * What Keyway shows instead of a page it cannot show (404, a server error):
 * what happened, what to do, and a way back. Full screen with the logo, or
 * inside the app's shell (`inShell`), where the team navigation stays usable.
 */
export function StatusPage({
  label,
  title,
  children,
  actions,
  inShell = false,
  tone = "brand",
}: {
  label: string;
  title: string;
  children: ReactNode;
  actions?: ReactNode;
  inShell?: boolean;
  tone?: "brand" | "red";
}) {
  return (
    <section
      aria-labelledby="status-title"
      className={cx("flex flex-col items-center px-4 text-center", inShell ? "py-16" : "min-h-dvh justify-center py-10")}
    >
      {inShell ? null : (
        <Link href="/" className="mb-6">
          <Logo className="text-xl" />
        </Link>
      )}
      <p className={cx("text-sm font-semibold", tone === "red" ? "text-red-700" : "text-brand-700")}>{label}</p>
      <h1 id="status-title" className="mt-1 text-2xl font-semibold text-balance text-slate-900">
        {title}
      </h1>
      <div className="mt-3 max-w-md space-y-2 text-sm text-slate-600">{children}</div>
      <div className="mt-6 flex flex-wrap items-center justify-center gap-3">
        {actions}
        <Link href="/" className={buttonStyles.secondary}>
          Back to your teams
        </Link>
      </div>
    </section>
  );
}

/** The reference a server error is logged under (Next's digest), for the person who reads the server's log. */
export function ErrorReference({ digest }: { digest: string }) {
  return (
    <div className="mt-4 flex flex-wrap items-center justify-center gap-2 rounded-md border border-slate-200 bg-slate-50 px-3 py-2 text-left">
      <span className="text-slate-700">Reference</span>
      <code data-copy-source={digest} className="font-mono text-sm text-slate-900">
        {digest}
      </code>
      <CopyButton value={digest} label="Copy reference" className="px-2 py-1 text-xs" />
    </div>
  );
}
