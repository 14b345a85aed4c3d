import { describe, expect, it } from "vitest";
import { fillUrlPlaceholders, joinScopes, PROVIDER_IDS, PROVIDERS, providerTemplate, splitScopes, type ProviderTemplate } from "@/lib/oauth/providers";
import { oauthClientInputSchema, RESERVED_OAUTH_PARAMS } from "@/lib/oauth/schemas";
import { applyTemplate, clientInputFromDraft, emptyClientDraft } from "@/lib/oauth/client-draft";

const guideText = (template: ProviderTemplate) => template.guide.map((step) => `${step.title}\n${step.detail ?? ""}`).join("\n");
const endpointUrls = (template: ProviderTemplate) => [template.authorizationUrl, template.tokenUrl, template.revocationUrl].filter((url): url is string => url !== undefined);
// RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ); a comma would also split it.
const SCOPE_TOKEN = /^[\x21\x23-\x2b\x2d-\x5b\x5d-\x7e]+$/;

describe("provider templates", () => {
  it("list every provider once, under its own id and a name of its own", () => {
    expect(Object.keys(PROVIDERS).sort()).toEqual([...PROVIDER_IDS].sort());
    for (const id of PROVIDER_IDS) expect(PROVIDERS[id].id).toBe(id);
    const names = PROVIDER_IDS.map((id) => PROVIDERS[id].name);
    expect(new Set(names).size).toBe(names.length);
  });

  it("are found by id, and nothing else is", () => {
    expect(providerTemplate("google")).toBe(PROVIDERS.google);
    expect(providerTemplate("salesforce")).toBe(PROVIDERS.salesforce);
    for (const id of ["", "Google", "oidc", "custom", "toString", "__proto__", "constructor", "hasOwnProperty"]) expect(providerTemplate(id)).toBeUndefined();
  });

  for (const id of PROVIDER_IDS) {
    describe(id, () => {
      const template = PROVIDERS[id];

      it("has https endpoints once its placeholders are filled, and https console and docs links without placeholders", () => {
        for (const url of endpointUrls(template)) {
          const filled = fillUrlPlaceholders(url, template);
          expect(filled, url).not.toMatch(/[{}]/);
          const parsed = new URL(filled);
          expect(parsed.protocol).toBe("https:");
          expect(parsed.hash).toBe("");
          expect(parsed.username + parsed.password).toBe("");
        }
        // Only the endpoints are filled in; a link the page shows as is must work as is.
        for (const url of [template.consoleUrl, template.docsUrl, template.issuer].filter((u): u is string => u !== undefined)) {
          expect(url, url).not.toMatch(/[{}]/);
          expect(new URL(url).protocol).toBe("https:");
        }
      });

      it("declares exactly the placeholders its endpoints use, each with a default and help", () => {
        const used = new Set(endpointUrls(template).flatMap((url) => [...url.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1])));
        const declared = (template.urlPlaceholders ?? []).map((p) => p.name);
        expect(new Set(declared).size).toBe(declared.length);
        expect([...used].sort()).toEqual([...declared].sort());
        for (const placeholder of template.urlPlaceholders ?? []) {
          expect(placeholder.default.trim()).not.toBe("");
          expect(placeholder.label.trim()).not.toBe("");
          expect(placeholder.help.trim()).not.toBe("");
        }
      });

      it("offers scopes that are single RFC 6749 scope tokens, none twice", () => {
        const scopes = [...template.defaultScopes, ...template.scopeExamples.map((s) => s.scope)];
        for (const scope of scopes) expect(scope, scope).toMatch(SCOPE_TOKEN);
        expect(new Set(template.defaultScopes).size).toBe(template.defaultScopes.length);
        const examples = template.scopeExamples.map((s) => s.scope);
        expect(new Set(examples).size).toBe(examples.length);
        for (const example of template.scopeExamples) expect(example.description.trim()).not.toBe("");
      });

      it("adds only parameters Keyway does not set itself, each once", () => {
        const names = template.extraAuthorizationParams.map((p) => p.name);
        expect(new Set(names).size).toBe(names.length);
        for (const name of names) expect(RESERVED_OAUTH_PARAMS.has(name), name).toBe(false);
      });

      it("has a guide that places the callback URL, uses no unknown {token}, and ends with copying the client id and secret into Keyway", () => {
        const text = guideText(template);
        expect(text).toContain("{callbackUrl}");
        for (const match of text.matchAll(/\{[^{}]*\}/g)) expect(["{callbackUrl}", "{domain}"]).toContain(match[0]);
        for (const step of template.guide) expect(step.title.trim()).not.toBe("");
        const last = template.guide.at(-1)?.title ?? "";
        expect(last).toContain(template.clientIdLabel);
        expect(last).toContain(template.clientSecretLabel);
        expect(last).toContain("Keyway");
        expect(template.refreshTokens.trim()).not.toBe("");
      });

      it("becomes a client the schema accepts once the user adds the client id and secret", () => {
        const draft = { ...applyTemplate(emptyClientDraft(), template), clientId: "id-from-the-console", clientSecret: "secret-from-the-console" };
        const parsed = oauthClientInputSchema.safeParse(clientInputFromDraft(draft));
        expect(parsed.error?.issues ?? []).toEqual([]);
      });
    });
  }

  it("have the endpoints the providers document", () => {
    const endpoints = Object.fromEntries(
      PROVIDER_IDS.map((id) => {
        const t = PROVIDERS[id];
        return [id, [t.authorizationUrl, t.tokenUrl, t.revocationUrl ?? null].map((url) => url && fillUrlPlaceholders(url, t))];
      }),
    );
    expect(endpoints).toEqual({
      google: ["https://accounts.google.com/o/oauth2/v2/auth", "https://oauth2.googleapis.com/token", "https://oauth2.googleapis.com/revoke"],
      github: ["https://github.com/login/oauth/authorize", "https://github.com/login/oauth/access_token", null],
      microsoft: ["https://login.microsoftonline.com/common/oauth2/v2.0/authorize", "https://login.microsoftonline.com/common/oauth2/v2.0/token", null],
      slack: ["https://slack.com/oauth/v2/authorize", "https://slack.com/api/oauth.v2.access", null],
      atlassian: ["https://auth.atlassian.com/authorize", "https://auth.atlassian.com/oauth/token", null],
      eventbrite: ["https://www.eventbrite.com/oauth/authorize", "https://www.eventbrite.com/oauth/token", null],
      salesforce: ["https://login.salesforce.com/services/oauth2/authorize", "https://login.salesforce.com/services/oauth2/token", "https://login.salesforce.com/services/oauth2/revoke"],
      hubspot: ["https://app.hubspot.com/oauth/authorize", "https://api.hubapi.com/oauth/2026-03/token", "https://api.hubapi.com/oauth/2026-03/token/revoke"],
    });
  });

  it("Google asks for offline access with consent, is the OpenID issuer accounts.google.com, and offers the Admin SDK Directory scopes", () => {
    const google = PROVIDERS.google;
    expect(google.extraAuthorizationParams).toEqual(expect.arrayContaining([{ name: "access_type", value: "offline" }, { name: "prompt", value: "consent" }]));
    expect(google.issuer).toBe("https://accounts.google.com");
    expect(google.defaultScopes).toEqual(expect.arrayContaining(["openid", "email", "profile"]));
    expect(google.scopeExamples.map((s) => s.scope)).toEqual(expect.arrayContaining(["https://www.googleapis.com/auth/admin.directory.group", "https://www.googleapis.com/auth/admin.directory.user"]));
  });

  it("Google's guide covers the consent screen, its authorized domain, the directory scopes, and a Web application client", () => {
    const guide = guideText(PROVIDERS.google);
    for (const label of ["OAuth consent screen", "Authorized domains", "{domain}", "admin.directory.user", "admin.directory.group", "“Web application”", "Authorized redirect URIs", "Client ID", "Client secret"]) {
      expect(guide, label).toContain(label);
    }
  });

  it("Atlassian asks for the api.atlassian.com audience with consent; it and Microsoft refresh through offline_access", () => {
    expect(PROVIDERS.atlassian.extraAuthorizationParams).toEqual(expect.arrayContaining([{ name: "audience", value: "api.atlassian.com" }, { name: "prompt", value: "consent" }]));
    expect(PROVIDERS.atlassian.defaultScopes).toContain("offline_access");
    expect(PROVIDERS.microsoft.defaultScopes).toContain("offline_access");
    expect(PROVIDERS.salesforce.defaultScopes).toContain("refresh_token");
  });

  it("Slack's scopes are comma-separated, every other provider's space-separated", () => {
    expect(PROVIDER_IDS.filter((id) => PROVIDERS[id].scopeSeparator === ",")).toEqual(["slack"]);
  });

  it("only providers with one fixed OpenID issuer name it", () => {
    expect(PROVIDER_IDS.filter((id) => PROVIDERS[id].issuer !== undefined)).toEqual(["google"]);
  });
});

describe("URL placeholders", () => {
  const microsoft = PROVIDERS.microsoft;
  const salesforce = PROVIDERS.salesforce;

  it("fill the default when no value, an empty one or only spaces is given", () => {
    expect(fillUrlPlaceholders(microsoft.tokenUrl, microsoft)).toBe("https://login.microsoftonline.com/common/oauth2/v2.0/token");
    expect(fillUrlPlaceholders(microsoft.tokenUrl, microsoft, { tenant: "" })).toBe("https://login.microsoftonline.com/common/oauth2/v2.0/token");
    expect(fillUrlPlaceholders(microsoft.tokenUrl, microsoft, { tenant: "   " })).toBe("https://login.microsoftonline.com/common/oauth2/v2.0/token");
    expect(fillUrlPlaceholders(microsoft.tokenUrl, microsoft, { other: "x" })).toBe("https://login.microsoftonline.com/common/oauth2/v2.0/token");
  });

  it("keep a domain or a tenant id as it is, trimmed", () => {
    expect(fillUrlPlaceholders(microsoft.tokenUrl, microsoft, { tenant: "contoso.onmicrosoft.com" })).toBe("https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token");
    expect(fillUrlPlaceholders(microsoft.authorizationUrl, microsoft, { tenant: " 72f988bf-86f1-41af-91ab-2d7cd011db47 " })).toBe(
      "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/oauth2/v2.0/authorize",
    );
    expect(fillUrlPlaceholders(salesforce.revocationUrl!, salesforce, { loginHost: "acme.my.salesforce.com" })).toBe("https://acme.my.salesforce.com/services/oauth2/revoke");
  });

  it("encode what would change the path, query or fragment", () => {
    expect(fillUrlPlaceholders(microsoft.tokenUrl, microsoft, { tenant: "a/b" })).toBe("https://login.microsoftonline.com/a%2Fb/oauth2/v2.0/token");
    expect(fillUrlPlaceholders(microsoft.tokenUrl, microsoft, { tenant: "a?b#c d" })).toBe("https://login.microsoftonline.com/a%3Fb%23c%20d/oauth2/v2.0/token");
    expect(fillUrlPlaceholders(microsoft.tokenUrl, microsoft, { tenant: "../x" })).toBe("https://login.microsoftonline.com/..%2Fx/oauth2/v2.0/token");
  });

  it("replace every occurrence, and leave a URL without placeholders alone", () => {
    expect(fillUrlPlaceholders("https://{tenant}.example/{tenant}", microsoft, { tenant: "t" })).toBe("https://t.example/t");
    expect(fillUrlPlaceholders(PROVIDERS.google.tokenUrl, PROVIDERS.google, { tenant: "x" })).toBe("https://oauth2.googleapis.com/token");
  });

  it("carry a changed value into every endpoint of the client form", () => {
    const draft = applyTemplate(emptyClientDraft(), salesforce, { loginHost: "test.salesforce.com" });
    for (const url of [draft.authorizationUrl, draft.tokenUrl, draft.revocationUrl]) expect(url).toMatch(/^https:\/\/test\.salesforce\.com\/services\/oauth2\/(authorize|token|revoke)$/);
  });
});

describe("scopes", () => {
  it("join with the provider's separator, trimmed, without empties or duplicates", () => {
    expect(joinScopes(["a", "b", "a"], ",")).toBe("a,b");
    expect(joinScopes(["read", " write ", "", "read"], " ")).toBe("read write");
    expect(joinScopes([], " ")).toBe("");
  });

  it("split on spaces, commas, both, or new lines, without empties or duplicates", () => {
    expect(splitScopes("read write")).toEqual(["read", "write"]);
    expect(splitScopes("read,write")).toEqual(["read", "write"]);
    expect(splitScopes(" read , write,, read\nadmin\tx ")).toEqual(["read", "write", "admin", "x"]);
    expect(splitScopes("")).toEqual([]);
    expect(splitScopes(" , ")).toEqual([]);
  });

  it("round-trip every provider's scopes through join and split", () => {
    for (const id of PROVIDER_IDS) {
      const { defaultScopes, scopeExamples, scopeSeparator } = PROVIDERS[id];
      const scopes = [...new Set([...defaultScopes, ...scopeExamples.map((s) => s.scope)])];
      expect(splitScopes(joinScopes(scopes, scopeSeparator)), id).toEqual(scopes);
      expect(splitScopes(joinScopes([...scopes, ...scopes], scopeSeparator)), id).toEqual(scopes);
    }
  });
});
