// Whether the production build in .next was made from the code on disk.
//
// `next build` leaves .next/BUILD_ID but no record of what it built, so after
// `git pull && npm install` a start would serve the old build against the new
// migrations. Next to the build we keep a stamp: the SHA-256 of every file that
// can change what `next build` produces. Content, not modification times: a
// checkout, a copy or a `touch` must not force a rebuild, and an edit must.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

const STAMP = path.join(".next", "keyway-build-stamp.json");

// Not read by `next build`: tests, scripts, CI, the agent (bundled at run time), and what tools and runs leave behind.
const SKIPPED_DIRS = new Set(["node_modules", "test", "e2e", "scripts", "agent", "test-results", "playwright-report", "blob-report", "coverage"]);
// next-env.d.ts is rewritten by every build; the others configure tools, not the app.
const SKIPPED_FILES = new Set(["next-env.d.ts", "playwright.config.ts", "vitest.config.ts", "eslint.config.mjs", "server.ts"]);
// Named first when they changed: the likeliest reasons after a `git pull && npm install`.
const NOTABLE = ["package-lock.json", "package.json", "next.config.js", "next.config.mjs", "next.config.ts", "tsconfig.json"];

type Stamp = { files: Record<string, string> };

/** Every build input under root (relative paths, "/"-separated) with the SHA-256 of its content. */
export function buildInputs(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      // Dot entries: .next, .data, .git, .env files (read at run time), editors' folders.
      if (entry.name.startsWith(".")) continue;
      const relative = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRS.has(entry.name)) walk(relative);
      } else if (entry.isFile() && !SKIPPED_FILES.has(relative) && !entry.name.endsWith(".md") && !entry.name.endsWith(".tsbuildinfo")) {
        files[relative] = createHash("sha256").update(readFileSync(path.join(root, relative))).digest("base64url");
      }
    }
  };
  walk("");
  return files;
}

/** Records that the build in .next was made from the files on disk now; call right after a successful `next build`. */
export function writeBuildStamp(root: string): void {
  const stamp: Stamp = { files: buildInputs(root) };
  writeFileSync(path.join(root, STAMP), JSON.stringify(stamp));
}

/** Why .next must be (re)built before it is served, or undefined when it matches the code. */
export function rebuildReason(root: string): string | undefined {
  if (!existsSync(path.join(root, ".next", "BUILD_ID"))) return "No production build in .next yet";
  let built: Stamp;
  try {
    built = JSON.parse(readFileSync(path.join(root, STAMP), "utf8")) as Stamp;
  } catch {
    return "The build in .next does not record which code it was built from (it was made by `next build` directly, or by an older Keyway)";
  }
  const now = buildInputs(root);
  const changed = new Set<string>();
  for (const [file, hash] of Object.entries(now)) if (built.files[file] !== hash) changed.add(file);
  for (const file of Object.keys(built.files)) if (!(file in now)) changed.add(file);
  if (changed.size === 0) return undefined;
  const named = [...NOTABLE.filter((file) => changed.has(file)), ...[...changed].filter((file) => !NOTABLE.includes(file)).sort()];
  const shown = named.slice(0, 3).join(", ") + (named.length > 3 ? ` and ${named.length - 3} more` : "");
  return `The code changed since the build in .next was made (${shown})`;
}
