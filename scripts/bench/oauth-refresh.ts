// `npm run bench:oauth-refresh`: how many requests reach the token endpoint
// when N uses of an expired access token arrive at once, split across two
// app processes sharing one database (SPEC.md: "two requests that need a
// refresh at once cause one refresh, also across several app instances"),
// and how long the last of them waited for its token.
//
// Runs a real authorization server (test/support/oauth-server.ts) on
// loopback. Needs a Postgres server to make a throwaway database on:
// BENCH_PG_URL or DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/postgres).
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { ProviderAgent } from "../../test/support/oauth-agent";
import { startOAuthServer } from "../../test/support/oauth-server";
import { withThrowawayDatabase } from "./throwaway-db";

const SIZES = (process.env.BENCH_USES ?? "2,10,50,200").split(",").map(Number);

/** The second process: test/support/token-user.ts, started and held at its starting line. */
async function secondProcess(teamId: string, connectionId: string, uses: number) {
  const child = spawn(process.execPath, ["--import", "tsx", "test/support/token-user.ts", teamId, connectionId, String(uses)], { env: process.env, stdio: ["pipe", "pipe", "inherit"] });
  const output: string[] = [];
  const lines = createInterface({ input: child.stdout! });
  await new Promise<void>((resolve) => lines.on("line", (line) => (line === "ready" ? resolve() : output.push(line))));
  return {
    go: () => child.stdin!.write("go\n"),
    done: new Promise<{ token?: string; error?: string }[]>((resolve, reject) =>
      child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(output.join(""))) : reject(new Error(`second process exited with ${code}`)))),
    ),
  };
}

async function main() {
  process.env.KEYWAY_ENCRYPTION_KEYS = `bench:${randomBytes(32).toString("base64")}`;
  process.env.KEYWAY_OUTBOUND_ALLOW = "127.0.0.0/8";
  process.env.KEYWAY_PUBLIC_URL = "http://127.0.0.1:3999";
  const as = await startOAuthServer({ port: 0, redirectUris: ["http://127.0.0.1:3999/oauth/callback"], shortAccessTokenTtlSeconds: 3600, logErrors: false });
  try {
    await withThrowawayDatabase("oauth_refresh", async () => {
      const { createUserWithPersonalTeam } = await import("../../lib/teams");
      const { createConnection } = await import("../../lib/connections");
      const { startAuthorization, completeAuthorization } = await import("../../lib/oauth/authorize");
      const { accessTokenFor, findConnectionForTokens } = await import("../../lib/oauth/tokens");
      const { getDb } = await import("../../lib/db");
      const { user, team } = await createUserWithPersonalTeam({ name: "bench", email: `bench-${Date.now()}@example.test`, passwordHash: null });
      const actor = { id: user.id, label: user.email, ip: "127.0.0.1" };
      const { id } = await createConnection(
        team.id,
        actor,
        {
          name: "bench",
          baseUrl: as.resourceUrl,
          authType: "OAUTH2_CODE",
          oauthClientRef: "",
          authorizationUrl: `${as.issuer}/auth`,
          tokenUrl: `${as.issuer}/token`,
          revocationUrl: "",
          clientId: as.clients.basic.clientId,
          clientSecret: as.clients.basic.clientSecret!,
          tokenAuthMethod: "client_secret_basic",
          pkce: true,
          scopes: "read",
          extraParams: [],
        },
        null,
      );
      const started = await startAuthorization(team.id, user.id, actor, id);
      if ("failed" in started) throw new Error("the authorization server refused the request");
      const callback = await new ProviderAgent(as.issuer).signInAndConsent(started.url, "bench");
      const connected = await completeAuthorization(user, callback.searchParams, null);
      if (connected.kind !== "finished") throw new Error(`callback refused: ${connected.reason}`);
      const connection = await findConnectionForTokens(team.id, id);

      console.log(`Concurrent uses of an expired access token, half in each of two processes sharing one Postgres (Node ${process.version})`);
      console.log("uses  token endpoint refresh requests  distinct tokens handed out  slowest use");
      for (const uses of SIZES) {
        await getDb().tokenSet.update({ where: { connectionId: id }, data: { expiresAt: new Date(Date.now() - 1000) } });
        const there = await secondProcess(team.id, id, Math.floor(uses / 2));
        as.resetCounts();
        const t = performance.now();
        there.go();
        const here = await Promise.all(Array.from({ length: Math.ceil(uses / 2) }, () => accessTokenFor(connection, actor)));
        const fromThere = await there.done;
        const slowest = performance.now() - t;
        const handedOut = new Set([...here, ...fromThere.map((r) => r.token ?? `error: ${r.error}`)]);
        const refreshes = as.counts().token.refresh_token ?? 0;
        console.log(`${String(uses).padStart(4)}  ${String(refreshes).padStart(31)}  ${String(handedOut.size).padStart(26)}  ${slowest.toFixed(0).padStart(8)} ms`);
      }
    });
  } finally {
    await as.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
