"use client";

import { ServerError } from "@/components/server-error";

export default function Error({ error, retry }: { error: unknown; retry: () => void }) {
  return <ServerError error={error} retry={retry} />;
}
