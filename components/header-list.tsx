import { cx } from "./ui";

/** HTTP headers as "name: value" lines in a scrolling monospace box (test responses, webhook events). */
export function HeaderList({ entries, className }: { entries: Array<[string, string]>; className?: string }) {
  return (
    <dl tabIndex={0} className={cx("mt-1 overflow-auto rounded-md bg-slate-50 p-2 font-mono text-xs", className)}>
      {entries.map(([name, value]) => (
        <div key={name} className="flex gap-2">
          <dt className="shrink-0 text-slate-600">{name}:</dt>
          <dd className="break-all text-slate-800">{value}</dd>
        </div>
      ))}
    </dl>
  );
}
