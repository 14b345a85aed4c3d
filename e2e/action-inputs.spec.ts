import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import pg from "pg";
import { makeUser } from "../test/support/fixtures";
import { freshEmail, signUp } from "./support/journeys";

// Issue 14 item 8: every server action of the build, called the way the
// browser calls it (POST with the Next-Action header, arguments encoded by
// React's own encodeReply) on Keyway's production server, with bad
// arguments: another team's slug and ids, unknown ids, wrong types (numbers,
// objects, arrays, null, a FormData where a string belongs and the reverse),
// NUL bytes and over-long strings, in bound arguments and in form fields.
// Each must be refused cleanly (never a 500) and change nothing.
//
// The actions come from .next/server/server-reference-manifest.json, so an
// action added later without a line in CALLS below fails this test.

const root = process.cwd();
const requireHere = createRequire(path.join(root, "package.json"));
const { encodeReply } = requireHere("next/dist/compiled/react-server-dom-webpack/client.edge.js") as {
  encodeReply: (value: unknown[]) => Promise<string | FormData>;
};

type Manifest = { node: Record<string, { filename: string; exportedName: string }> };

function actionIds(): Map<string, string> {
  const manifest = JSON.parse(readFileSync(path.join(root, ".next/server/server-reference-manifest.json"), "utf8")) as Manifest;
  return new Map(Object.entries(manifest.node).map(([id, entry]) => [entry.exportedName, id]));
}

type Ids = {
  slug: string;
  connection: string;
  apiKey: string;
  agent: string;
  invitation: string;
  membership: string;
  client: string;
};

/** Where a parameter's bad values come from. "state" (useActionState's previous state) is never read and never varied. */
type Kind = "slug" | "id" | "nullableId" | "token" | "string" | "state" | "form";
type FieldKind = "text" | "id" | "json" | "checkbox";

type Ctx = { own: Ids; victim: Ids };
type Call = {
  /** A page whose worker holds the action (Next looks actions up per page). */
  path: (c: Ctx) => string;
  params: Kind[];
  /** The value each parameter has when another is varied: a call that would do something real, were it not for the one bad value. */
  base: (c: Ctx) => unknown[];
  /** Form fields and what they hold; each is varied in turn. */
  fields?: Record<string, FieldKind>;
  /** Which of `ids` the id parameter refers to, so the other team's is tried. */
  idOf?: keyof Ids;
};

const form = (fields: Record<string, string>) => ({ __form: fields });

const CALLS: Record<string, Call> = {
  signOutAction: { path: () => "/account", params: [], base: () => [] },
  changePasswordAction: { path: () => "/account", params: ["state", "form"], base: () => [{}, form({ currentPassword: "wrong-current-password", newPassword: "a fresh long passphrase 42" })], fields: { currentPassword: "text", newPassword: "text" } },
  revokeSessionAction: { path: () => "/account", params: ["state", "form"], base: () => [{}, form({ sessionId: "s-unknown-session" })], fields: { sessionId: "id" } },
  signOutEverywhereElseAction: { path: () => "/account", params: ["state", "form"], base: () => [{}, form({ confirm: "yes" })], fields: { confirm: "text" } },
  createAgentAction: { path: (c) => `/t/${c.own.slug}/agents`, params: ["slug", "state", "form"], base: (c) => [c.own.slug, {}, form({ name: "office" })], fields: { name: "text" } },
  revokeAgentAction: { path: (c) => `/t/${c.own.slug}/agents`, params: ["slug", "state", "form"], base: (c) => [c.own.slug, {}, form({ agentId: c.own.agent, confirm: "yes" })], fields: { agentId: "id", confirm: "text" }, idOf: "agent" },
  deleteAgentAction: { path: (c) => `/t/${c.own.slug}/agents`, params: ["slug", "state", "form"], base: (c) => [c.own.slug, {}, form({ agentId: c.own.agent, confirm: "yes" })], fields: { agentId: "id", confirm: "text" }, idOf: "agent" },
  createApiKeyAction: { path: (c) => `/t/${c.own.slug}/api-keys`, params: ["slug", "state", "form"], base: (c) => [c.own.slug, {}, form({ name: "svc", expiresIn: "never", scopes: "proxy" })], fields: { name: "text", expiresIn: "text", scopes: "text" } },
  revokeApiKeyAction: { path: (c) => `/t/${c.own.slug}/api-keys`, params: ["slug", "state", "form"], base: (c) => [c.own.slug, {}, form({ apiKeyId: c.own.apiKey, confirm: "yes" })], fields: { apiKeyId: "id", confirm: "text" }, idOf: "apiKey" },
  saveClientAction: { path: (c) => `/t/${c.own.slug}/clients/new`, params: ["slug", "nullableId", "state", "form"], base: (c) => [c.own.slug, c.own.client, {}, form({ payload: "{}" })], fields: { payload: "json" }, idOf: "client" },
  deleteClientAction: { path: (c) => `/t/${c.own.slug}/clients/new`, params: ["slug", "id", "state", "form"], base: (c) => [c.own.slug, c.own.client, {}, form({ confirm: "yes" })], fields: { confirm: "text" }, idOf: "client" },
  discoverAction: { path: (c) => `/t/${c.own.slug}/clients/new`, params: ["slug", "string"], base: (c) => [c.own.slug, "http://127.0.0.1:9/"] },
  discoverFromEndpointAction: { path: (c) => `/t/${c.own.slug}/connections/new`, params: ["slug", "string"], base: (c) => [c.own.slug, "http://127.0.0.1:9/token"] },
  saveConnectionAction: { path: (c) => `/t/${c.own.slug}/connections/new`, params: ["slug", "nullableId", "state", "form"], base: (c) => [c.own.slug, c.own.connection, {}, form({ payload: "{}" })], fields: { payload: "json" }, idOf: "connection" },
  deleteConnectionAction: { path: (c) => `/t/${c.own.slug}/connections/new`, params: ["slug", "id", "state", "form"], base: (c) => [c.own.slug, c.own.connection, {}, form({ confirm: "yes" })], fields: { confirm: "text" }, idOf: "connection" },
  duplicateConnectionAction: { path: (c) => `/t/${c.own.slug}/connections/new`, params: ["slug", "id"], base: (c) => [c.own.slug, c.own.connection], idOf: "connection" },
  testConnectionAction: {
    path: (c) => `/t/${c.own.slug}/connections/new`,
    params: ["slug", "id", "state", "form"],
    base: (c) => [c.own.slug, c.own.connection, {}, form({ payload: '{"method":"GET","path":"/\\u0000","headers":[],"body":""}' })],
    fields: { payload: "json" },
    idOf: "connection",
  },
  connectConnectionAction: { path: (c) => `/t/${c.own.slug}/connections/new`, params: ["slug", "id"], base: (c) => [c.own.slug, c.own.connection], idOf: "connection" },
  disconnectConnectionAction: { path: (c) => `/t/${c.own.slug}/connections/new`, params: ["slug", "id", "state", "form"], base: (c) => [c.own.slug, c.own.connection, {}, form({ confirm: "yes" })], fields: { confirm: "text" }, idOf: "connection" },
  saveWebhookSigningAction: {
    path: (c) => `/t/${c.own.slug}/connections/${c.own.connection}`,
    params: ["slug", "id", "state", "form"],
    base: (c) => [c.own.slug, c.own.connection, {}, form({ secret: "whsec-long-enough", signatureHeader: "X-Signature", encoding: "hex", prefix: "" })],
    fields: { secret: "text", signatureHeader: "text", encoding: "text", prefix: "text" },
    idOf: "connection",
  },
  // A plain-http forward URL to a cloud metadata address is refused (https only, and outbound safety), so no variant saves.
  saveWebhookForwardAction: { path: (c) => `/t/${c.own.slug}/connections/${c.own.connection}`, params: ["slug", "id", "state", "form"], base: (c) => [c.own.slug, c.own.connection, {}, form({ url: "http://169.254.169.254/latest" })], fields: { url: "text" }, idOf: "connection" },
  redeliverForwardAction: { path: (c) => `/t/${c.own.slug}/connections/${c.own.connection}`, params: ["slug", "id", "state", "form"], base: (c) => [c.own.slug, c.own.connection, {}, form({ deliveryId: "cffffffffffffffffffffffff" })], fields: { deliveryId: "id" }, idOf: "connection" },
  // A checkbox: any value but "on" means unticked, which is a real choice, so only the arguments are varied.
  setCredentialsAccessAction: { path: (c) => `/t/${c.own.slug}/connections/${c.own.connection}`, params: ["slug", "id", "state", "form"], base: (c) => [c.own.slug, c.own.connection, {}, form({ allowed: "on" })], idOf: "connection" },
  changeRoleAction: { path: (c) => `/t/${c.own.slug}/members`, params: ["slug", "state", "form"], base: (c) => [c.own.slug, {}, form({ membershipId: c.own.membership, role: "VIEWER" })], fields: { membershipId: "id", role: "text" }, idOf: "membership" },
  removeMemberAction: { path: (c) => `/t/${c.own.slug}/members`, params: ["slug", "state", "form"], base: (c) => [c.own.slug, {}, form({ membershipId: c.own.membership })], fields: { membershipId: "id" }, idOf: "membership" },
  revokeInvitationAction: { path: (c) => `/t/${c.own.slug}/members`, params: ["slug", "state", "form"], base: (c) => [c.own.slug, {}, form({ invitationId: c.own.invitation })], fields: { invitationId: "id" }, idOf: "invitation" },
  inviteAction: { path: (c) => `/t/${c.own.slug}/members/invite`, params: ["slug", "state", "form"], base: (c) => [c.own.slug, {}, form({ role: "MEMBER", email: "new@example.test" })], fields: { role: "text", email: "text" } },
  renameTeamAction: { path: (c) => `/t/${c.own.slug}/settings`, params: ["slug", "state", "form"], base: (c) => [c.own.slug, {}, form({ name: "Renamed team" })], fields: { name: "text" } },
  deleteTeamAction: { path: (c) => `/t/${c.own.slug}/settings`, params: ["slug", "state", "form"], base: (c) => [c.own.slug, {}, form({ confirmSlug: c.own.slug })], fields: { confirmSlug: "text" } },
  createTeamAction: { path: () => "/teams/new", params: ["state", "form"], base: () => [{}, form({ name: "Another team" })], fields: { name: "text" } },
  acceptInvitationAction: { path: () => "/invite/x", params: ["token", "state"], base: () => ["unknown-invitation-token-0123456789abcdef", {}] },
  resetPasswordAction: { path: () => "/reset-password/x", params: ["token", "state", "form"], base: () => ["unknown-reset-token-0123456789abcdef", {}, form({ newPassword: "a fresh long passphrase 42" })], fields: { newPassword: "text" } },
  singleSignOnAction: { path: () => "/signin", params: ["form"], base: () => [form({ callbackUrl: "/" })], fields: { callbackUrl: "text" } },
  // Bases that the schema refuses already (no account is made, no sign-in attempt is counted against this address).
  signInAction: { path: () => "/signin", params: ["state", "form"], base: () => [{}, form({ email: "not-an-address", password: "x", callbackUrl: "/" })], fields: { email: "text", password: "text", callbackUrl: "text" } },
  // Channel bases miss what a channel needs (an endpoint; a known id), so no variant can make one.
  createChannelAction: { path: (c) => `/t/${c.own.slug}/notifications`, params: ["slug", "state", "form"], base: (c) => [c.own.slug, {}, form({ kind: "webhook", name: "Ops" })], fields: { kind: "text", name: "text" } },
  updateChannelAction: { path: (c) => `/t/${c.own.slug}/notifications`, params: ["slug", "id", "state", "form"], base: (c) => [c.own.slug, "cffffffffffffffffffffffff", {}, form({ kind: "webhook", name: "Ops" })], fields: { kind: "text", name: "text" } },
  deleteChannelAction: { path: (c) => `/t/${c.own.slug}/notifications`, params: ["slug", "state", "form"], base: (c) => [c.own.slug, {}, form({ channelId: "cffffffffffffffffffffffff", confirm: "yes" })], fields: { channelId: "id", confirm: "text" } },
  testChannelAction: { path: (c) => `/t/${c.own.slug}/notifications`, params: ["slug", "state", "form"], base: (c) => [c.own.slug, {}, form({ channelId: "cffffffffffffffffffffffff" })], fields: { channelId: "id" } },
  redeliverAction: { path: (c) => `/t/${c.own.slug}/notifications`, params: ["slug", "state", "form"], base: (c) => [c.own.slug, {}, form({ channelId: "cffffffffffffffffffffffff", deliveryId: "cffffffffffffffffffffffff" })], fields: { channelId: "id", deliveryId: "id" } },
  // Bases that refuse already: an expiry outside 1–168 hours; a link token that names no link.
  createConnectLinkAction: { path: (c) => `/t/${c.own.slug}/connections/${c.own.connection}`, params: ["slug", "id", "state", "form"], base: (c) => [c.own.slug, c.own.connection, {}, form({ expiresInHours: "0" })], fields: { expiresInHours: "text" }, idOf: "connection" },
  revokeConnectLinkAction: { path: (c) => `/t/${c.own.slug}/connections/${c.own.connection}`, params: ["slug", "id", "id", "state"], base: (c) => [c.own.slug, c.own.connection, "cffffffffffffffffffffffff", {}], idOf: "connection" },
  startConnectLinkAction: { path: () => "/connect/x", params: ["token", "state"], base: () => [`kwl_${"A".repeat(43)}`, {}] },
  submitConnectLinkSecretsAction: { path: () => "/connect/x", params: ["token", "state", "form"], base: () => [`kwl_${"A".repeat(43)}`, {}, form({ secret: "value" })], fields: { secret: "text" } },
  // An interval of 0 minutes is refused, so no variant saves; "Run check now" is only ever called with one bad argument.
  saveHealthSettingsAction: { path: (c) => `/t/${c.own.slug}/connections/${c.own.connection}`, params: ["slug", "id", "state", "form"], base: (c) => [c.own.slug, c.own.connection, {}, form({ method: "GET", path: "/", expectedStatuses: "200", intervalMinutes: "0" })], fields: { method: "text", path: "text", expectedStatuses: "text", intervalMinutes: "text" }, idOf: "connection" },
  runCheckNowAction: { path: (c) => `/t/${c.own.slug}/connections/${c.own.connection}`, params: ["slug", "id", "state"], base: (c) => [c.own.slug, c.own.connection, {}], idOf: "connection" },
  signUpAction: { path: () => "/signup", params: ["state", "form"], base: () => [{}, form({ name: "Sign-up", email: freshEmail("bad-signup"), password: "short", callbackUrl: "/" })], fields: { name: "text", email: "text", password: "text", callbackUrl: "text" } },
};

const LONG = "x".repeat(100_000);
const NUL = "c0ffee\u0000id";

function badArguments(kind: Kind, c: Ctx, idOf?: keyof Ids): [string, unknown][] {
  const wrongTypes: [string, unknown][] = [
    ["number", 42],
    ["object", { id: "x" }],
    ["array", ["x"]],
    ["NUL", NUL],
    ["over-long", LONG],
    ["FormData", form({ x: "y" })],
  ];
  switch (kind) {
    case "slug":
      return [["other team", c.victim.slug], ["unknown team", "no-such-team-zz9"], ["null", null], ...wrongTypes];
    case "id":
    case "nullableId": {
      const foreign: [string, unknown][] = idOf ? [["other team's id", c.victim[idOf]]] : [];
      return [...foreign, ["unknown id", "cffffffffffffffffffffffff"], ...(kind === "id" ? ([["null", null]] as [string, unknown][]) : []), ...wrongTypes];
    }
    case "token":
    case "string":
      return [["null", null], ...wrongTypes];
    case "form":
      return [["string", "confirm=yes"], ["number", 42], ["null", null], ["object", { confirm: "yes" }], ["array", [["confirm", "yes"]]]];
    case "state":
      return [];
  }
}

function badFields(kind: FieldKind, c: Ctx, idOf?: keyof Ids): [string, string | Blob][] {
  const common: [string, string | Blob][] = [
    ["NUL", NUL],
    ["over-long", LONG],
  ];
  // A file where text belongs counts as a missing field (lib/forms.ts), which is a real choice for an optional one: tried on required fields only.
  const file: [string, Blob] = ["file", new Blob(["yes"])];
  if (kind === "json") common.push(file);
  if (kind === "id") return [...common, file, ...(idOf ? ([["other team's id", c.victim[idOf]]] as [string, string][]) : []), ["unknown id", "cffffffffffffffffffffffff"]];
  if (kind === "json") return [...common, ["NUL in JSON", '{"name":"a\\u0000b","method":"GET","path":"/\\u0000"}'], ["not JSON", "{"], ["JSON number", "42"]];
  return common;
}

function materialize(value: unknown): unknown {
  if (value && typeof value === "object" && "__form" in value) {
    const data = new FormData();
    for (const [name, field] of Object.entries((value as { __form: Record<string, string | Blob> }).__form)) data.append(name, field);
    return data;
  }
  return value;
}

type Variant = { label: string; args: unknown[] };

function variants(name: string, call: Call, c: Ctx): Variant[] {
  const base = call.base(c);
  const out: Variant[] = [];
  call.params.forEach((kind, index) => {
    for (const [label, bad] of badArguments(kind, c, call.idOf)) {
      const args = [...base];
      args[index] = bad;
      out.push({ label: `${name} argument ${index} (${kind}) = ${label}`, args });
    }
    if (kind === "form") {
      const fields = (base[index] as { __form: Record<string, string> }).__form;
      for (const [field, fieldKind] of Object.entries(call.fields ?? {})) {
        for (const [label, bad] of badFields(fieldKind, c, fieldKind === "id" ? call.idOf : undefined)) {
          const args = [...base];
          args[index] = { __form: { ...fields, [field]: bad } };
          out.push({ label: `${name} field ${field} = ${label}`, args });
        }
      }
    }
  });
  // No parameters at all: extra arguments of every type are ignored.
  if (call.params.length === 0) out.push({ label: `${name} with unexpected arguments`, args: [42, NUL, { a: 1 }] });
  return out;
}

async function callAction(request: APIRequestContext, id: string, pagePath: string, args: unknown[]) {
  const body = await encodeReply(args.map(materialize));
  const headers: Record<string, string> = { "Next-Action": id, Origin: new URL(process.env.KEYWAY_PUBLIC_URL!).origin, Accept: "text/x-component" };
  if (typeof body === "string") {
    return request.post(pagePath, { headers: { ...headers, "Content-Type": "text/plain;charset=UTF-8" }, data: body, maxRedirects: 0 });
  }
  // FormData: multipart as the browser sends it (Playwright sets the boundary).
  return request.post(pagePath, { headers, multipart: body, maxRedirects: 0 });
}

async function query<T extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Everything the two users' teams and accounts hold, to compare before and after. */
async function snapshot(teamIds: string[], userIds: string[]): Promise<Record<string, string>> {
  const perTeam = ["Connection", "ApiKey", "Agent", "Invitation", "Membership", "OAuthClient", "AuditEvent", "PendingAuthorization"];
  const parts: Record<string, unknown> = {};
  for (const table of perTeam) {
    parts[table] = await query(`SELECT to_jsonb(t) AS row FROM "${table}" t WHERE "teamId" = ANY($1) ORDER BY id`, [teamIds]);
  }
  parts.TestRun = await query(`SELECT r.id FROM "TestRun" r JOIN "Connection" c ON c.id = r."connectionId" WHERE c."teamId" = ANY($1) ORDER BY r.id`, [teamIds]);
  parts.Team = await query(`SELECT to_jsonb(t) AS row FROM "Team" t WHERE id = ANY($1) ORDER BY id`, [teamIds]);
  parts.User = await query(`SELECT id, name, email, "passwordHash" FROM "User" WHERE id = ANY($1) ORDER BY id`, [userIds]);
  parts.Session = await query(`SELECT id FROM "Session" WHERE "userId" = ANY($1) ORDER BY id`, [userIds]);
  parts.teamsOfUsers = await query(`SELECT "teamId", role FROM "Membership" WHERE "userId" = ANY($1) ORDER BY "teamId"`, [userIds]);
  return Object.fromEntries(Object.entries(parts).map(([table, rows]) => [table, JSON.stringify(rows)]));
}

test.describe.configure({ timeout: 600_000 });

test("every server action refuses bad arguments cleanly and saves nothing", async ({ page }) => {
  const ids = actionIds();
  const missing = [...ids.keys()].filter((name) => !(name in CALLS));
  expect(missing, "server actions without bad-input cases in this test").toEqual([]);

  // The attacker signs up in the browser; the other team's objects are made through lib, as the app makes them.
  const email = freshEmail("prober");
  const teamPath = await signUp(page, "Prober", email);
  const ownSlug = teamPath.replace(/^\/t\//, "");
  const victim = await makeUser("victim");
  const ownUserId = (await query<{ id: string }>(`SELECT id FROM "User" WHERE email = $1`, [email]))[0]!.id;
  const ownTeamId = (await query<{ id: string }>(`SELECT id FROM "Team" WHERE slug = $1`, [ownSlug]))[0]!.id;
  const owner = { id: ownUserId, actor: { id: ownUserId, label: email, ip: "127.0.0.1" } };

  async function objectsOf(teamId: string, user: { id: string; actor: { id: string; label: string; ip: string } }, slug: string): Promise<Ids> {
    const { createConnection } = await import("@/lib/connections");
    const { createApiKey } = await import("@/lib/api-keys");
    const { createAgent } = await import("@/lib/agents");
    const { createInvitation } = await import("@/lib/teams");
    const { createOAuthClient } = await import("@/lib/oauth/clients");
    const connection = await createConnection(teamId, user.actor, { name: "API", baseUrl: "http://127.0.0.1:9", authType: "HEADER", headers: [{ name: "X-Api-Key", value: "s3cret", secret: true }] }, null);
    const apiKey = await createApiKey(teamId, user.actor, { name: "svc", expiresIn: "never" });
    const agent = await createAgent(teamId, user.actor, { name: "office" });
    const { invitation } = await createInvitation(teamId, { userId: user.id, role: "OWNER", actor: user.actor }, { role: "MEMBER" });
    const client = await createOAuthClient(teamId, user.actor, {
      name: "provider",
      provider: "oidc",
      issuer: "",
      authorizationUrl: "http://127.0.0.1:9/authorize",
      tokenUrl: "http://127.0.0.1:9/token",
      revocationUrl: "",
      parUrl: "",
      clientId: "keyway",
      clientSecret: "client-secret",
      scopes: "read",
      scopeSeparator: " ",
      tokenAuthMethod: "client_secret_basic",
      pkce: true,
      extraAuthParams: [],
      notes: "",
    });
    const membership = (await query<{ id: string }>(`SELECT id FROM "Membership" WHERE "teamId" = $1 AND "userId" = $2`, [teamId, user.id]))[0]!.id;
    return { slug, connection: connection.id, apiKey: apiKey.id, agent: agent.id, invitation: invitation.id, membership, client: client.id };
  }
  const c: Ctx = {
    own: await objectsOf(ownTeamId, owner, ownSlug),
    victim: await objectsOf(victim.personalTeam.id, victim, victim.personalTeam.slug),
  };

  const teams = [ownTeamId, victim.personalTeam.id];
  const users = [ownUserId, victim.id];
  const before = await snapshot(teams, users);

  const failures: string[] = [];
  let calls = 0;
  // Signing out ignores arguments and really signs out: it goes last, after the comparison.
  const order = [...ids.keys()].filter((name) => name !== "signOutAction");
  for (const name of [...order, "signOutAction"]) {
    if (name === "signOutAction") {
      const after = await snapshot(teams, users);
      const changed = Object.keys(before).filter((table) => before[table] !== after[table]);
      expect(changed, changed.map((table) => `${table}\nbefore: ${before[table]}\nafter:  ${after[table]}`).join("\n")).toEqual([]);
    }
    const call = CALLS[name]!;
    for (const variant of variants(name, call, c)) {
      calls += 1;
      let response: Awaited<ReturnType<typeof callAction>>;
      try {
        response = await callAction(page.request, ids.get(name)!, call.path(c), variant.args);
      } catch (error) {
        // E.g. an answer whose headers no client accepts (an over-long value copied into a cookie).
        failures.push(`${variant.label}: ${String(error).split("\n")[0]}`);
        continue;
      }
      const text = await response.text();
      // A thrown error travels as a 500 (with an error row, `1:E{"digest":…}`); notFound() is a 404 with such a row, and clean.
      if (response.status() >= 500) failures.push(`${variant.label}: ${response.status()} ${text.slice(0, 120)}`);
    }
  }
  expect(failures, `${failures.length} of ${calls} calls failed`).toEqual([]);
  expect(calls).toBeGreaterThan(500);
});

test("pages refuse malformed ids and other teams' ids without a 500", async ({ page }) => {
  const teamPath = await signUp(page, "Visitor", freshEmail("visitor"));
  const victim = await makeUser("victim-pages");
  const paths = [
    `/t/${victim.personalTeam.slug}/connections`,
    "/t/a%00b/connections",
    `/t/${"x".repeat(5000)}/connections`,
    `${teamPath}/connections/a%00b`,
    `${teamPath}/connections/${"c".repeat(5000)}`,
    `${teamPath}/connections/a%00b/edit`,
    `${teamPath}/clients/a%00b`,
    `${teamPath}/clients/a%00b/edit`,
    "/invite/a%00b",
    "/reset-password/a%00b",
    "/signin?callbackUrl=%00",
    "/signin?callbackUrl=%0A",
  ];
  for (const target of paths) {
    const response = await page.request.get(target, { maxRedirects: 0 });
    expect(response.status(), target).toBeLessThan(500);
  }
});
