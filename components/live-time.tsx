"use client";

import { useEffect, useState } from "react";
import { formatRelative, formatUtc } from "@/lib/dates";

/**
 * A moment as Keyway shows it everywhere: relative ("3 hours ago") with the
 * exact UTC time on hover and in dateTime.
 * Hydration: the server and the browser must render the same text first, and
 * their clocks differ. `now` (the server's clock, passed by a server page)
 * makes the first render the same on both; without it (a client component's
 * own dates) the first render is the absolute time, and the relative one
 * follows once mounted. It then keeps itself current with the browser's clock.
 */
export function LiveTime({ date, now, className }: { date: Date | string; now?: number; className?: string }) {
  const at = typeof date === "string" ? new Date(date) : date;
  const [clock, setClock] = useState<number | undefined>(now);
  useEffect(() => {
    setClock(Date.now());
    const timer = setInterval(() => setClock(Date.now()), 30_000);
    return () => clearInterval(timer);
  }, []);
  const exact = formatUtc(at);
  return (
    <time dateTime={at.toISOString()} title={exact} className={className}>
      {clock === undefined ? exact : formatRelative(at, clock)}
    </time>
  );
}
