import path from "node:path";

// The agent as one file: agent/keyway-agent.mjs with its one dependency
// (undici) bundled in, served at AGENT_SCRIPT_PATH so that the machine that
// runs it needs Node.js and nothing else. Bundled on first request with
// esbuild (already installed with tsx, which runs the server), then kept.

let bundled: Promise<string> | undefined;

export function agentScript(): Promise<string> {
  bundled ??= (async () => {
    const { build } = await import("esbuild");
    const result = await build({
      entryPoints: [path.join(process.cwd(), "agent", "keyway-agent.mjs")],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      write: false,
      legalComments: "inline",
      logLevel: "silent",
      // undici is CommonJS; its require() calls of Node built-ins need a require in an ES module.
      banner: { js: 'import { createRequire as __keywayCreateRequire } from "node:module"; const require = __keywayCreateRequire(import.meta.url);' },
    });
    return result.outputFiles[0]!.text;
  })().catch((error: unknown) => {
    bundled = undefined;
    throw error;
  });
  return bundled;
}
