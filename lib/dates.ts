// One date language for the whole app: a relative time to read ("3 hours
// ago", "in 6 days") with the exact UTC time beside it on hover. Pure
// functions, shared by the server and the browser.

const absolute = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short", timeZone: "UTC" });
const dayOnly = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });
const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

/** "Dec 2, 2026, 7:33 AM UTC": the exact moment, in the zone every viewer shares. */
export function formatUtc(date: Date): string {
  return `${absolute.format(date)} UTC`;
}

/** "Dec 2, 2026". */
export function formatUtcDay(date: Date): string {
  return dayOnly.format(date);
}

const STEPS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["second", 60],
  ["minute", 60],
  ["hour", 24],
  ["day", 30],
];

/**
 * "just now", "5 minutes ago", "in 2 hours", "yesterday"; beyond 30 days the
 * day itself ("Mar 3, 2026"), which reads better than "4 months ago".
 */
export function formatRelative(date: Date, now: number): string {
  const seconds = Math.round((date.getTime() - now) / 1000);
  if (Math.abs(seconds) < 45) return "just now";
  let value = seconds;
  for (const [unit, size] of STEPS) {
    // Rounded before the step up, so 23.7 hours reads "tomorrow", not "in 24 hours".
    const rounded = Math.round(value);
    if (Math.abs(rounded) < size) return relative.format(rounded, unit);
    value = value / size;
    if (unit === "day") break;
  }
  return `on ${formatUtcDay(date)}`;
}
