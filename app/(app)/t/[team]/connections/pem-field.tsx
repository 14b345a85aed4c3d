"use client";

import type { ChangeEvent } from "react";
import { cx, inputStyles } from "@/components/ui";

/** A PEM text area that also takes a file (or, with `accept` and `placeholder`, another pasted key file such as a JSON key). */
export function PemField({
  label,
  name,
  value,
  error,
  hint,
  onChange,
  accept = ".pem,.crt,.cer,.key,.txt",
  placeholder = "-----BEGIN …-----",
}: {
  label: string;
  name: string;
  value: string;
  error?: string;
  hint?: string;
  onChange: (value: string) => void;
  accept?: string;
  placeholder?: string;
}) {
  const id = `field-${name}`;
  const readFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (file) onChange(await file.text());
  };
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      <textarea
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        rows={5}
        spellCheck={false}
        aria-invalid={error ? true : undefined}
        aria-describedby={[hint ? `${id}-hint` : "", error ? `${id}-error` : ""].filter(Boolean).join(" ") || undefined}
        className={cx(inputStyles, "mt-1 font-mono text-xs")}
        placeholder={placeholder}
      />
      <div className="mt-1 flex flex-wrap items-center justify-between gap-2">
        {hint ? (
          <p id={`${id}-hint`} className="text-xs text-slate-600">
            {hint}
          </p>
        ) : (
          <span />
        )}
        <label className="cursor-pointer text-sm font-medium text-brand-700 hover:underline">
          Upload a file
          <input type="file" accept={accept} className="sr-only" onChange={readFile} />
        </label>
      </div>
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}
