import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { fieldErrorsOf } from "@/lib/forms";
import { agentCreateSchema } from "@/lib/agents/schemas";
import { apiKeyCreateSchema } from "@/lib/api-keys/schemas";
import { connectionInputSchema } from "@/lib/connections/schemas";
import { testRequestSchema } from "@/lib/connections/test-request";
import { oauthClientInputSchema } from "@/lib/oauth/schemas";
import { signInSchema, signUpSchema } from "@/lib/schemas/auth";
import { deleteTeamSchema, invitationRefSchema, teamNameSchema } from "@/lib/schemas/teams";

// Issue 14, item 8: NUL (which Postgres cannot store) and other control
// characters are refused by the shared schemas, with a message on the field,
// before anything reaches the database.

const NUL = "a\u0000b";

function refusedAt(schema: z.ZodType, input: unknown, field: string) {
  const parsed = schema.safeParse(input);
  expect(parsed.success, `${field} accepted ${JSON.stringify(input)}`).toBe(false);
  if (!parsed.success) expect(fieldErrorsOf(parsed.error)[field], JSON.stringify(fieldErrorsOf(parsed.error))).toBeTruthy();
}

describe("text fields refuse NUL and control characters", () => {
  it("in every schema a server action or the API parses", () => {
    refusedAt(signInSchema, { email: "a@example.test", password: NUL }, "password");
    refusedAt(signUpSchema, { name: NUL, email: "a@example.test", password: "long enough password" }, "name");
    refusedAt(signUpSchema, { name: "Ann", email: `a\u0000@example.test`, password: "long enough password" }, "email");
    refusedAt(teamNameSchema, { name: `Team${"\u0007"}` }, "name");
    refusedAt(deleteTeamSchema, { confirmSlug: NUL }, "confirmSlug");
    refusedAt(invitationRefSchema, { invitationId: NUL }, "invitationId");
    refusedAt(apiKeyCreateSchema, { name: NUL, expiresIn: "never" }, "name");
    refusedAt(agentCreateSchema, { name: NUL }, "name");
    refusedAt(connectionInputSchema, { name: NUL, baseUrl: "https://api.example.test", authType: "NONE" }, "name");
    refusedAt(connectionInputSchema, { name: "x", baseUrl: "https://api.example.test", authType: "BASIC", username: "u", password: NUL }, "password");
    refusedAt(connectionInputSchema, { name: "x", baseUrl: "https://api.example.test", authType: "QUERY", params: [{ name: "k", value: NUL, secret: true }] }, "params.0.value");
    refusedAt(testRequestSchema, { method: "POST", path: "/x", headers: [], body: NUL }, "body");
    refusedAt(testRequestSchema, { method: "GET", path: `/x${"\u0000"}`, headers: [], body: "" }, "path");
    refusedAt(oauthClientInputSchema, { name: NUL, provider: "custom", clientId: "id", clientSecret: "s", tokenAuthMethod: "client_secret_basic", scopes: "", authorizationUrl: "https://as.example.test/a", tokenUrl: "https://as.example.test/t" }, "name");
  });

  it("keep tabs and line breaks where text spans lines", () => {
    expect(testRequestSchema.safeParse({ method: "POST", path: "/x", headers: [], body: '{\n\t"a": 1\r\n}' }).success).toBe(true);
  });
});
