import { LiveTime } from "./live-time";

/**
 * A moment, from a server component: relative, exact UTC on hover. The
 * server's clock is rendered with it, so the browser hydrates the same text
 * (client components use <LiveTime> directly).
 */
export function Time({ date, className }: { date: Date; className?: string }) {
  return <LiveTime date={date} now={Date.now()} className={className} />;
}
