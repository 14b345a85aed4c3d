import { cache } from "react";
import { LiveTime } from "./live-time";

// One "now" per request: every date on a page is relative to the same moment.
const requestTime = cache(() => Date.now());

/**
 * A moment, from a server component: relative, exact UTC on hover. The
 * server's clock is rendered with it, so the browser hydrates the same text
 * (client components use <LiveTime> directly).
 */
export function Time({ date, className }: { date: Date; className?: string }) {
  return <LiveTime date={date} now={requestTime()} className={className} />;
}
