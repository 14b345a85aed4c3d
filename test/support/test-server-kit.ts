// What the test servers that run as their own process for Playwright's
// webServer share (test/support/oidc-server.ts, oauth-server.ts): listening
// before they are ready, knowing whether they are the process's entry point,
// and starting and stopping cleanly on a signal.
import { realpathSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { fileURLToPath } from "node:url";

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Listens at once, and answers 503 until `ready` gives the real handler: a
 * readiness probe (Playwright's webServer) that connects in between would
 * otherwise wait forever on a request nobody answers.
 */
export function listen(port: number): Promise<{ server: ReturnType<typeof createServer>; ready(handler: Handler): void }> {
  let handler: Handler = (_request, response) => {
    response.writeHead(503, { "retry-after": "1" }).end("starting");
  };
  const server = createServer((request, response) => handler(request, response));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve({ server, ready: (real) => (handler = real) });
    });
  });
}

/** Closes the server and every connection a client still holds open. */
export function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/** Whether the module at `moduleUrl` (its import.meta.url) is the script node was started with. */
export function isMain(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/** A port from the environment variable `name`, or the default; exits with a message when it is not one. */
export function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  const port = raw ? Number(raw) : fallback;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`${name} must be a port number, not ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return port;
}

/**
 * Process mode: starts the server, prints "<label> ready at <issuer>" (the
 * line a caller waits for), and exits on SIGINT or SIGTERM.
 */
export function runAsProcess(label: string, start: () => Promise<{ issuer: string; close(): Promise<void> }>): void {
  start().then(
    (server) => {
      console.log(`${label} ready at ${server.issuer}`);
      const stop = () => {
        // Whatever a client still holds open, do not outlive the signal by long.
        setTimeout(() => process.exit(0), 2000).unref();
        server.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    },
    (error: unknown) => {
      console.error(`${label} failed to start: ${error instanceof Error ? error.message : String(error)}`);
      process.exit(1);
    },
  );
}
