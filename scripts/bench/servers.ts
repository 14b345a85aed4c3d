// The processes the benchmarks start: peers from proxy-peer.ts and Keyway's
// own production server, each in its own process so that the load generator
// and every server have an event loop to themselves.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { createInterface } from "node:readline";

/** Starts a peer process (proxy-peer.ts) and returns the URL it listens on. */
export async function startPeer(args: string[]): Promise<{ url: string; process: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/bench/proxy-peer.ts", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on("line", (line) => line.startsWith("listening ") && resolve(line.slice("listening ".length)));
    child.once("exit", (code) => reject(new Error(`proxy-peer ${args[0]} exited with ${code}`)));
  });
  return { url, process: child };
}

export function ensureBuild() {
  if (existsSync(".next/BUILD_ID")) return;
  console.log("No production build in .next: running `next build` first (once).");
  const built = spawnSync(process.execPath, ["node_modules/next/dist/bin/next", "build"], { stdio: "inherit" });
  if (built.status !== 0) throw new Error("next build failed");
}

/** Keyway's production server (server.ts), as `npm start` runs it, once it answers. */
export async function startKeyway(env: NodeJS.ProcessEnv, port: number, onLog?: (chunk: Buffer) => void): Promise<ChildProcess> {
  // A server left over from an earlier run would answer the probe below and be measured instead (on a database long dropped).
  if (await answers(port)) throw new Error(`Something already listens on port ${port}: stop it, or choose other ports with BENCH_KEYWAY_PORT.`);
  // With onLog, the log goes through a pipe as in production (a supervisor reading it), not to /dev/null.
  // BENCH_CPU_PROF=<dir>: a V8 CPU profile of each Keyway process, written there when it stops (open in Chrome's DevTools).
  const profile = process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, "--import", "tsx", "server.ts"], { env: { ...env, PORT: String(port), HOSTNAME: "127.0.0.1" }, stdio: ["ignore", onLog ? "pipe" : "ignore", "inherit"] });
  if (onLog) child.stdout!.on("data", onLog);
  const deadline = Date.now() + 180_000; // a production start takes long on a busy machine
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Keyway exited with ${child.exitCode}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/signin`);
      if (response.ok) return child;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error("Keyway did not start within 180 s");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}
