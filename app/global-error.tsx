"use client";

// Replaces the root layout when that fails, so it brings its own document and styles.
import "./globals.css";
import { ServerError } from "@/components/server-error";

export default function GlobalError({ error, retry }: { error: unknown; retry: () => void }) {
  return (
    <html lang="en">
      <body className="min-h-dvh font-sans">
        <title>Error · Keyway</title>
        <main>
          <ServerError error={error} retry={retry} />
        </main>
      </body>
    </html>
  );
}
