// Adds lockfile entries for optional, platform-specific packages that `npm install`
// left out because the registry this machine reaches does not serve them (it answers
// 404 for, e.g., the darwin and win32 builds of @next/swc). Without the entries
// `npm ci` refuses the lockfile as out of sync. Each added entry carries the os/cpu
// its name declares, so npm skips it on every other platform instead of fetching it.
//
// Run after any `npm install` that changes package-lock.json:
//   node scripts/complete-lockfile.mjs
import { readFileSync, writeFileSync } from "node:fs";

const lockPath = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, "utf8"));
const packages = lock.packages;

const OS_NAMES = ["android", "darwin", "freebsd", "linux", "openharmony", "openbsd", "sunos", "win32", "aix", "netbsd"];
const CPU_NAMES = ["arm64", "x64", "ia32", "arm", "loong64", "ppc64", "riscv64", "s390x", "wasm32", "mips64el"];

function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const os = parts.find((part) => OS_NAMES.includes(part));
  const cpu = parts.find((part) => CPU_NAMES.includes(part));
  const platform = {};
  if (os) platform.os = [os];
  if (cpu) platform.cpu = [cpu];
  if (os === "linux" && parts.some((part) => part.startsWith("musl"))) platform.libc = ["musl"];
  if (os === "linux" && parts.some((part) => part.startsWith("gnu"))) platform.libc = ["glibc"];
  return platform;
}

// Node's resolution: a dependency of node_modules/a/node_modules/b is looked up in
// b's own node_modules, then each ancestor's, then the root.
function resolves(fromPath, name) {
  let base = fromPath;
  for (;;) {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return true;
    if (!base) return false;
    const cut = base.lastIndexOf("/node_modules/");
    base = cut === -1 ? "" : base.slice(0, cut);
  }
}

const added = [];
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    if (resolves(path, name)) continue;
    if (!/^\d+\.\d+\.\d+(-[\w.]+)?$/.test(spec)) {
      throw new Error(`${path} wants ${name}@${spec}: not an exact version, add its entry by hand`);
    }
    const target = packages[`node_modules/${name}`] ? `${path}/node_modules/${name}` : `node_modules/${name}`;
    packages[target] = {
      version: spec,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...platformOf(name),
    };
    added.push(`${name}@${spec}`);
  }
}

const sorted = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
);
lock.packages = sorted;
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
console.log(added.length ? `added ${added.length} entries: ${added.join(", ")}` : "lockfile already complete");
