import type { ReactNode } from "react";
import { cx } from "./ui";

// A table on a desk, stacked rows on a phone: under `sm` every row becomes a
// block and every cell a "label: value" line (the label is the cell's
// data-label, drawn by CSS), so no column hides behind horizontal scrolling.
// One DOM for both (no second, hidden copy for tests and screen readers to
// trip over); the header row stays in the accessibility tree on phones
// (visually hidden), so each cell keeps its column header.

export function StackedTable({ caption, columns, children, className }: { caption: string; columns: string[]; children: ReactNode; className?: string }) {
  return (
    <div className={cx("rounded-lg border border-slate-200 bg-white shadow-sm sm:overflow-x-auto", className)}>
      <table className="block w-full text-sm sm:table sm:min-w-full sm:divide-y sm:divide-slate-200">
        <caption className="sr-only">{caption}</caption>
        <thead className="sr-only bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-600 sm:not-sr-only sm:table-header-group">
          <tr>
            {columns.map((column) => (
              <th key={column} scope="col" className="px-4 py-2.5">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="block divide-y divide-slate-200 sm:table-row-group">{children}</tbody>
      </table>
    </div>
  );
}

export function StackedRow({ children, className }: { children: ReactNode; className?: string }) {
  return <tr className={cx("block px-4 py-3 align-top hover:bg-slate-50 sm:table-row sm:p-0", className)}>{children}</tr>;
}

/**
 * One cell. `label` is its column's name, shown before the value on a phone;
 * the row's first cell (`primary`, usually the name) goes without, on its own line.
 */
export function StackedCell({ label, primary = false, children, className }: { label: string; primary?: boolean; children: ReactNode; className?: string }) {
  return (
    <td
      data-label={label}
      className={cx(
        "py-1 sm:table-cell sm:px-4 sm:py-3",
        primary
          ? "block pb-2"
          : "flex min-w-0 gap-3 before:w-28 before:shrink-0 before:text-xs before:font-medium before:text-slate-600 before:content-[attr(data-label)] sm:before:content-none",
        className,
      )}
    >
      {primary ? children : <div className="min-w-0 flex-1">{children}</div>}
    </td>
  );
}
