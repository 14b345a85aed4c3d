"use client";

import { useState } from "react";
import { cx } from "./ui";

// Kept in sync with lib/theme.ts (a client module cannot import next/headers).
const THEME_COOKIE = "keyway-theme";
type ThemeChoice = "system" | "light" | "dark";

const OPTIONS: Array<{ value: ThemeChoice; label: string; icon: React.ReactNode }> = [
  {
    value: "system",
    label: "System",
    icon: <path d="M3 5h18v11H3zM8 20h8M12 16v4" />,
  },
  {
    value: "light",
    label: "Light",
    icon: (
      <>
        <circle cx="12" cy="12" r="4" />
        <path d="M12 2v2M12 20v2M4.9 4.9l1.4 1.4M17.7 17.7l1.4 1.4M2 12h2M20 12h2M4.9 19.1l1.4-1.4M17.7 6.3l1.4-1.4" />
      </>
    ),
  },
  { value: "dark", label: "Dark", icon: <path d="M20 14.5A8 8 0 0 1 9.5 4a8 8 0 1 0 10.5 10.5Z" /> },
];

function applyTheme(next: ThemeChoice) {
  const root = document.documentElement;
  if (next === "system") {
    root.removeAttribute("data-theme");
    document.cookie = `${THEME_COOKIE}=; path=/; max-age=0; samesite=lax`;
  } else {
    root.setAttribute("data-theme", next);
    document.cookie = `${THEME_COOKIE}=${next}; path=/; max-age=31536000; samesite=lax`;
  }
}

/**
 * System / Light / Dark. The choice is applied to <html> at once and kept in a
 * year-long cookie, which the server reads to render later pages in it.
 */
export function ThemeToggle({ initial, className }: { initial: ThemeChoice; className?: string }) {
  const [choice, setChoice] = useState<ThemeChoice>(initial);
  function choose(next: ThemeChoice) {
    setChoice(next);
    applyTheme(next);
  }
  return (
    <div role="group" aria-label="Theme" className={cx("inline-flex rounded-md border border-slate-300 bg-white p-0.5", className)}>
      {OPTIONS.map((option) => (
        <button
          key={option.value}
          type="button"
          aria-pressed={choice === option.value}
          title={`${option.label} theme`}
          onClick={() => choose(option.value)}
          className={cx(
            "inline-flex items-center gap-1 rounded px-2 py-1 text-xs font-medium",
            choice === option.value ? "bg-slate-100 text-slate-900" : "text-slate-600 hover:text-slate-900",
          )}
        >
          <svg aria-hidden="true" viewBox="0 0 24 24" className="h-3.5 w-3.5" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
            {option.icon}
          </svg>
          {option.label}
        </button>
      ))}
    </div>
  );
}
