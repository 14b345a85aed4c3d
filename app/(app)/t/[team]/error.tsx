"use client";

import { ServerError } from "@/components/server-error";

// Inside the team layout, so the navigation stays: the rest of the team's pages usually still work.
export default function TeamError({ error, retry }: { error: unknown; retry: () => void }) {
  return <ServerError error={error} retry={retry} inShell />;
}
