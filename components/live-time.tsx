"use client";

import { useSyncExternalStore } from "react";
import { formatRelative, formatUtc } from "@/lib/dates";

// The browser's clock as an external store: one timer for every <LiveTime>
// on the page, ticking every 30 s while any is shown.
let clock = Date.now();
const listeners = new Set<() => void>();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  clock = Date.now();
  timer ??= setInterval(() => {
    clock = Date.now();
    for (const notify of listeners) notify();
  }, 30_000);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

// A render that is not a mount (a refresh after a server action) reads the
// clock without subscribing again: it must not read a clock left from the
// last tick, up to 30 s ago, or from before the last page was left.
const STALE_AFTER_MS = 5_000;
function freshClock(): number {
  const now = Date.now();
  if (now - clock >= STALE_AFTER_MS) clock = now;
  return clock;
}

/**
 * A moment as Keyway shows it everywhere: relative ("3 hours ago") with the
 * exact UTC time on hover and in dateTime.
 * Hydration: the server and the browser must render the same text first, and
 * their clocks differ. `now` (the server's clock, passed by <Time> from a
 * server page) is the server snapshot, so the first render is the same on
 * both; without it (a client component's own dates) the first render is the
 * absolute time. Once hydrated, the browser's clock takes over.
 */
export function LiveTime({ date, now, className }: { date: Date | string; now?: number; className?: string }) {
  const at = typeof date === "string" ? new Date(date) : date;
  const current = useSyncExternalStore<number | undefined>(
    subscribe,
    freshClock,
    () => now,
  );
  const exact = formatUtc(at);
  return (
    <time dateTime={at.toISOString()} title={exact} className={className}>
      {current === undefined ? exact : formatRelative(at, current)}
    </time>
  );
}
