import type { Metadata } from "next";
import { CodeBlock } from "@/components/copy-button";
import Link from "next/link";
import type { ReactNode } from "react";
import { Badge, Logo } from "@/components/ui";
import { API_KEY_SCOPE_LABEL, API_KEY_SCOPES } from "@/lib/api-keys/scopes";
import { openApiDocument } from "@/lib/api/openapi";
import { PROBLEM_CODES } from "@/lib/api/problem";
import { publicUrl } from "@/lib/config";

export const metadata: Metadata = { title: "Management API" };
// Rendered per request: the examples name this instance's KEYWAY_PUBLIC_URL, which a build does not know.
export const dynamic = "force-dynamic";

// The reference of /api/v1, rendered from the OpenAPI document the API serves
// (lib/api/openapi.ts), so it says what the server does. Readable without signing in.

type Schema = {
  $ref?: string;
  type?: string | string[];
  description?: string;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  additionalProperties?: Schema | boolean;
  default?: unknown;
  maxLength?: number;
  format?: string;
};
type Parameter = { name: string; in: string; required?: boolean; description?: string; schema?: Schema };
type Operation = {
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  "x-keyway-scope"?: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses: Record<string, { description: string }>;
};

const METHOD_TONE = { get: "green", post: "brand", put: "amber", delete: "red" } as const;

function resolve(schema: Schema, components: Record<string, Schema>): Schema {
  return schema.$ref ? (components[schema.$ref.split("/").pop()!] ?? schema) : schema;
}

function typeOf(schema: Schema, components: Record<string, Schema>): string {
  const s = resolve(schema, components);
  if (schema.$ref) return schema.$ref.split("/").pop()!;
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  if (s.type === "array" && s.items) return `${typeOf(s.items, components)}[]`;
  if (s.anyOf || s.oneOf) return (s.anyOf ?? s.oneOf)!.map((v) => typeOf(v, components)).join(" | ");
  if (Array.isArray(s.type)) return s.type.join(" | ");
  return s.type ?? (s.properties ? "object" : "any");
}

/** Every property of an object schema, through allOf (zod intersections). */
function propertiesOf(schema: Schema, components: Record<string, Schema>): { name: string; schema: Schema; required: boolean }[] {
  const s = resolve(schema, components);
  const own = Object.entries(s.properties ?? {}).map(([name, property]) => ({ name, schema: property, required: (s.required ?? []).includes(name) }));
  return [...own, ...(s.allOf ?? []).flatMap((part) => (resolve(part, components).oneOf || resolve(part, components).anyOf ? [] : propertiesOf(part, components)))];
}

/** The variants of a discriminated union inside an object schema (the authentication types). */
function variantsOf(schema: Schema, components: Record<string, Schema>): Schema[] {
  const s = resolve(schema, components);
  return [...(s.oneOf ?? s.anyOf ?? []), ...(s.allOf ?? []).flatMap((part) => variantsOf(part, components))];
}

/**
 * A type such as `"client_secret_basic" | "self_signed_tls_client_auth"`, free to wrap after each underscore:
 * on a phone one long value would otherwise widen the whole table past the card and cut its columns off.
 */
function Breakable({ text }: { text: string }) {
  return text.split(/(?<=_)/).map((part, i) => (
    <span key={i}>
      {i > 0 ? <wbr /> : null}
      {part}
    </span>
  ));
}

function PropertyTable({ schema, components }: { schema: Schema; components: Record<string, Schema> }) {
  const rows = propertiesOf(schema, components);
  if (rows.length === 0) return null;
  return (
    // Focusable: on a phone the table scrolls sideways, and a keyboard must be able to scroll it too (axe: scrollable-region-focusable).
    <div className="overflow-x-auto rounded focus:outline-none focus-visible:ring-2 focus-visible:ring-brand-600/40" tabIndex={0}>
      <table className="w-full text-left text-xs">
        <thead className="text-slate-500">
          <tr>
            <th className="py-1 pr-3 font-medium">Field</th>
            <th className="py-1 pr-3 font-medium">Type</th>
            <th className="py-1 font-medium">About</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100 align-top">
          {rows.map((row) => (
            <tr key={row.name}>
              <td className="py-1 pr-3 font-mono text-slate-900">
                {row.name}
                {row.required ? <span className="text-red-700" title="required">*</span> : null}
              </td>
              <td className="max-w-xs break-words py-1 pr-3 font-mono text-slate-700">
                <Breakable text={typeOf(row.schema, components)} />
              </td>
              <td className="py-1 text-slate-600">{resolve(row.schema, components).description ?? ""}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SchemaView({ schema, components }: { schema: Schema; components: Record<string, Schema> }) {
  const variants = variantsOf(schema, components).filter((v) => propertiesOf(v, components).length > 0);
  return (
    <div className="space-y-2">
      <PropertyTable schema={schema} components={components} />
      {variants.length > 0 ? (
        <div className="space-y-2">
          <p className="text-xs text-slate-600">And one of:</p>
          {variants.map((variant, i) => {
            const discriminator = propertiesOf(variant, components).find((p) => resolve(p.schema, components).const !== undefined);
            return (
              <details key={i} className="rounded border border-slate-200 p-2">
                <summary className="cursor-pointer text-xs font-medium text-slate-800">
                  {discriminator ? `${discriminator.name} = ${JSON.stringify(resolve(discriminator.schema, components).const)}` : `Variant ${i + 1}`}
                </summary>
                <div className="mt-2">
                  <PropertyTable schema={variant} components={components} />
                </div>
              </details>
            );
          })}
        </div>
      ) : null}
    </div>
  );
}

function Code({ children }: { children: ReactNode }) {
  return <code className="rounded bg-slate-100 px-1 font-mono text-xs text-slate-900">{children}</code>;
}

/** `code` spans of the document's descriptions as code. */
function Prose({ text }: { text: string }) {
  return (
    <>
      {text.split(/(`[^`]+`)/).map((piece, i) => (piece.startsWith("`") && piece.endsWith("`") ? <Code key={i}>{piece.slice(1, -1)}</Code> : piece))}
    </>
  );
}

export default function ApiDocsPage() {
  const document = openApiDocument() as unknown as { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> }; tags?: { name: string }[] };
  const components = document.components?.schemas ?? {};
  const operations = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ path, method, operation })));
  const tags = (document.tags ?? []).map((t) => t.name);
  const base = `${publicUrl()}/api/v1`;
  return (
    <div className="mx-auto max-w-4xl px-4 py-8">
      <header className="mb-6 flex flex-wrap items-center justify-between gap-3">
        <Link href="/" aria-label="Keyway home">
          <Logo className="text-lg" />
        </Link>
        <a href="/api/v1/openapi.json" className="text-sm font-medium text-brand-700 hover:underline">
          OpenAPI document (JSON)
        </a>
      </header>
      <main className="space-y-8">
        <div>
          <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Management API</h1>
          <p className="mt-2 text-sm text-slate-600">
            Everything a team does on Keyway&apos;s pages, for its services: {operations.length} operations under <Code>{base}</Code>, generated from the same schemas as the forms.
          </p>
          <nav aria-label="Sections" className="mt-3 flex flex-wrap gap-x-3 gap-y-1 text-sm">
            {["Authentication", "Conventions", ...tags, "Problems"].map((name) => (
              <a key={name} href={`#${slug(name)}`} className="text-brand-700 hover:underline">
                {name}
              </a>
            ))}
          </nav>
        </div>

        <section id="authentication" className="space-y-3" aria-labelledby="authentication-title">
          <h2 id="authentication-title" className="text-lg font-semibold text-slate-900">
            Authentication
          </h2>
          <p className="text-sm text-slate-700">
            Send a team API key: <Code>Authorization: Bearer kw_…</Code>. Team admins create keys under <strong>API keys</strong> and choose their scopes; an operation needs the scope it names.
          </p>
          <ul className="space-y-1 text-sm text-slate-700">
            {API_KEY_SCOPES.map((scope) => (
              <li key={scope}>
                <Code>{scope}</Code>: {API_KEY_SCOPE_LABEL[scope]}
              </li>
            ))}
          </ul>
          <CodeBlock value={`curl -H "Authorization: Bearer kw_…" "${base}/connections?limit=20"`} label="Copy command" />
        </section>

        <section id="conventions" className="space-y-2 text-sm text-slate-700" aria-labelledby="conventions-title">
          <h2 id="conventions-title" className="text-lg font-semibold text-slate-900">
            Conventions
          </h2>
          <ul className="list-disc space-y-1 pl-5">
            <li>JSON in and out. Secret values are accepted but never answered: objects say which secrets are set.</li>
            <li>
              Lists come in pages: <Code>limit</Code> (1 to 200) and <Code>cursor</Code>, the previous page&apos;s <Code>nextCursor</Code> (null on the last page).
            </li>
            <li>
              POST accepts <Code>Idempotency-Key</Code>: a retry with the same key and body within 24 hours gets the first answer again (<Code>Idempotent-Replayed: true</Code>) and changes nothing.
            </li>
            <li>
              Updates answer an <Code>ETag</Code>; send it back in <Code>If-Match</Code> and the change is refused with 412 when someone changed the object since.
            </li>
            <li>
              Each key may make a number of requests a minute; <Code>RateLimit-Policy</Code> and <Code>RateLimit</Code> say where it stands, and 429 with <Code>Retry-After</Code> when it is used up.
            </li>
            <li>Changes are in the team&apos;s audit log with the key as the actor and the caller&apos;s address.</li>
          </ul>
        </section>

        {tags.map((tag) => (
          <section key={tag} id={slug(tag)} className="space-y-4" aria-labelledby={`${slug(tag)}-title`}>
            <h2 id={`${slug(tag)}-title`} className="text-lg font-semibold text-slate-900">
              {tag}
            </h2>
            {operations
              .filter(({ operation }) => operation.tags?.includes(tag))
              .map(({ path, method, operation }) => {
                const body = operation.requestBody?.content["application/json"]?.schema;
                const parameters = (operation.parameters ?? []).filter((p) => p.in !== "header");
                return (
                  <article key={operation.operationId} id={operation.operationId} className="space-y-3 rounded-lg border border-slate-200 bg-white p-4 shadow-sm">
                    <h3 className="flex flex-wrap items-center gap-2 text-sm font-semibold text-slate-900">
                      <Badge tone={METHOD_TONE[method as keyof typeof METHOD_TONE] ?? "slate"}>{method.toUpperCase()}</Badge>
                      <span className="break-all font-mono">{path}</span>
                      <span className="font-normal text-slate-600">{operation.summary}</span>
                    </h3>
                    {operation.description ? (
                      <p className="text-sm text-slate-700">
                        <Prose text={operation.description} />
                      </p>
                    ) : null}
                    {parameters.length > 0 ? (
                      <div>
                        <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Parameters</h4>
                        <ul className="mt-1 space-y-0.5 text-xs text-slate-700">
                          {parameters.map((p) => (
                            <li key={`${p.in}:${p.name}`}>
                              <Code>{p.name}</Code> <span className="text-slate-500">({p.in})</span> {p.schema ? <span className="font-mono">{typeOf(p.schema, components)}</span> : null}
                              {p.description ? ` — ${p.description}` : ""}
                            </li>
                          ))}
                        </ul>
                      </div>
                    ) : null}
                    {body ? (
                      <div>
                        <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Body</h4>
                        <SchemaView schema={body} components={components} />
                      </div>
                    ) : null}
                    <div>
                      <h4 className="text-xs font-semibold uppercase tracking-wide text-slate-500">Answers</h4>
                      <ul className="mt-1 space-y-0.5 text-xs text-slate-700">
                        {Object.entries(operation.responses).map(([status, response]) => (
                          <li key={status}>
                            <span className="font-mono font-medium">{status}</span> {response.description}
                          </li>
                        ))}
                      </ul>
                    </div>
                  </article>
                );
              })}
          </section>
        ))}

        <section id="problems" className="space-y-2" aria-labelledby="problems-title">
          <h2 id="problems-title" className="text-lg font-semibold text-slate-900">
            Problems
          </h2>
          <p className="text-sm text-slate-700">
            Refusals are RFC 9457 problem documents (<Code>application/problem+json</Code>) with <Code>type</Code>, <Code>title</Code>, <Code>status</Code>, <Code>detail</Code>, <Code>code</Code> and, for invalid input,{" "}
            <Code>errors</Code>: each field&apos;s JSON pointer, path and message.
          </p>
          <dl className="space-y-1 text-sm">
            {Object.entries(PROBLEM_CODES).map(([code, description]) => (
              <div key={code} id={`problem-${code}`} className="flex flex-wrap gap-x-2">
                <dt>
                  <Code>{code}</Code>
                </dt>
                <dd className="text-slate-700">{description}</dd>
              </div>
            ))}
          </dl>
        </section>
      </main>
    </div>
  );
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-");
}
