import { cookies } from "next/headers";

/**
 * The visitor's colour theme lives in a cookie, not localStorage, so the
 * server renders <html data-theme> with the page: the right colours are there
 * on first paint without an inline script (which the nonce CSP would have to
 * admit). No cookie = follow the system (prefers-color-scheme, in CSS).
 */
export const THEME_COOKIE = "keyway-theme";
export const THEME_CHOICES = ["system", "light", "dark"] as const;
export type ThemeChoice = (typeof THEME_CHOICES)[number];

export function parseTheme(value: string | undefined): ThemeChoice {
  return value === "light" || value === "dark" ? value : "system";
}

export async function themeChoice(): Promise<ThemeChoice> {
  return parseTheme((await cookies()).get(THEME_COOKIE)?.value);
}
