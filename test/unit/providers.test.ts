import { describe, expect, it } from "vitest";
import { fillUrlPlaceholders, joinScopes, PROVIDER_IDS, PROVIDERS, providerTemplate, splitScopes } from "@/lib/oauth/providers";
import { oauthClientInputSchema } from "@/lib/oauth/schemas";
import { applyTemplate, emptyClientDraft, clientInputFromDraft } from "@/lib/oauth/client-draft";

describe("provider templates", () => {
  it("list every provider once, under its own id", () => {
    expect(Object.keys(PROVIDERS).sort()).toEqual([...PROVIDER_IDS].sort());
    for (const id of PROVIDER_IDS) expect(PROVIDERS[id].id).toBe(id);
    expect(providerTemplate("google")?.name).toBe("Google");
    expect(providerTemplate("toString")).toBeUndefined();
  });

  for (const id of PROVIDER_IDS) {
    it(`${id}: https endpoints once placeholders are filled, a guide that places the callback URL, and a client the schema accepts`, () => {
      const template = PROVIDERS[id];
      for (const url of [template.authorizationUrl, template.tokenUrl, template.revocationUrl, template.consoleUrl, template.docsUrl].filter(Boolean)) {
        const filled = fillUrlPlaceholders(url!, template);
        expect(filled).not.toMatch(/[{}]/);
        expect(new URL(filled).protocol).toBe("https:");
      }
      expect(template.guide.some((step) => `${step.title} ${step.detail ?? ""}`.includes("{callbackUrl}"))).toBe(true);
      // What the form makes of the template, with the user's client id and secret, is a valid client.
      const draft = { ...applyTemplate(emptyClientDraft(), template), clientId: "id-from-the-console", clientSecret: "secret-from-the-console" };
      const parsed = oauthClientInputSchema.safeParse(clientInputFromDraft(draft));
      expect(parsed.error?.issues ?? []).toEqual([]);
    });
  }

  it("Google asks for offline access with consent, and offers the Admin SDK Directory scopes", () => {
    const google = PROVIDERS.google;
    expect(google.extraAuthorizationParams).toEqual(expect.arrayContaining([{ name: "access_type", value: "offline" }, { name: "prompt", value: "consent" }]));
    expect(google.scopeExamples.map((s) => s.scope)).toEqual(expect.arrayContaining(["https://www.googleapis.com/auth/admin.directory.group", "https://www.googleapis.com/auth/admin.directory.user"]));
    const guide = google.guide.map((s) => `${s.title} ${s.detail ?? ""}`).join("\n");
    for (const label of ["Web application", "Authorized redirect URIs", "Authorized domains", "{domain}", "Client ID", "Client secret"]) expect(guide).toContain(label);
  });

  it("Slack's scopes are comma-separated; the others', space-separated", () => {
    expect(PROVIDERS.slack.scopeSeparator).toBe(",");
    expect(PROVIDER_IDS.filter((id) => PROVIDERS[id].scopeSeparator === ",")).toEqual(["slack"]);
  });
});

describe("URL placeholders", () => {
  it("fill the default, keep a domain as it is, and encode what would change the path", () => {
    const microsoft = PROVIDERS.microsoft;
    expect(fillUrlPlaceholders(microsoft.tokenUrl, microsoft)).toBe("https://login.microsoftonline.com/common/oauth2/v2.0/token");
    expect(fillUrlPlaceholders(microsoft.tokenUrl, microsoft, { tenant: "contoso.onmicrosoft.com" })).toBe("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
    expect(fillUrlPlaceholders(microsoft.tokenUrl, microsoft, { tenant: "a/b" })).toBe("https://login.microsoftonline.com/a%2Fb/oauth2/v2.0/token");
  });
  it("carry a changed value into every endpoint of the form", () => {
    const draft = applyTemplate(emptyClientDraft(), PROVIDERS.salesforce, { loginHost: "test.salesforce.com" });
    expect([draft.authorizationUrl, draft.tokenUrl, draft.revocationUrl].every((u) => u.startsWith("https://test.salesforce.com/services/oauth2/"))).toBe(true);
  });
});

describe("scopes", () => {
  it("round-trip through join and split, once each", () => {
    expect(joinScopes(["a", "b", "a"], ",")).toBe("a,b");
    expect(splitScopes(joinScopes(["read", "write"], ","))).toEqual(["read", "write"]);
    expect(splitScopes("read write, read")).toEqual(["read", "write"]);
  });
});
