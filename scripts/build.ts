// `npm run build`: `next build`, then the stamp that tells `npm start` which
// code this build was made from (scripts/build-stamp.ts). `npm test` builds
// the same way, so the README's start reuses its build instead of rebuilding.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { writeBuildStamp } from "./build-stamp";

const root = process.cwd(); // npm runs scripts at the package root
const nextBin = createRequire(import.meta.url).resolve("next/dist/bin/next");

const child = spawn(process.execPath, [nextBin, "build", ...process.argv.slice(2)], { stdio: "inherit" });
// Ctrl-C reaches next too (same process group); SIGTERM reaches only us.
process.on("SIGTERM", () => child.kill("SIGTERM"));
process.on("SIGINT", () => {});
child.on("exit", (code, signal) => {
  if (code === 0) writeBuildStamp(root);
  process.exit(code ?? (signal ? 1 : 0));
});
