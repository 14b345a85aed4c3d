import type { Metadata, Viewport } from "next";
import { connection } from "next/server";
import { themeChoice } from "@/lib/theme";
import "./globals.css";

export const metadata: Metadata = {
  // "Echo API · Connections · Platform — Keyway": what you look at first, the team (app/(app)/t/[team]/layout.tsx) and the product last.
  title: { default: "Keyway", template: "%s — Keyway" },
  description: "The connections your software uses to reach third-party APIs, kept by your team.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1 };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Rendered per request, never prerendered: a page's scripts run only with the
  // nonce of its request's Content-Security-Policy (proxy.ts), which a page
  // built ahead of time (the 404 page was the only one) cannot carry.
  await connection();
  const theme = await themeChoice();
  return (
    <html lang="en" data-theme={theme === "system" ? undefined : theme}>
      <body className="min-h-dvh font-sans">{children}</body>
    </html>
  );
}
