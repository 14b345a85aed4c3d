import { describe, expect, it } from "vitest";
import { fieldErrorsOf } from "@/lib/forms";
import { chosenAgentId, connectionInputSchema } from "@/lib/connections/schemas";
import { connectionDraftSchema, draftFromConnection, emptyDraft, inputFromDraft, parseDraft, type ConnectionDraft } from "@/lib/connections/form-payload";
import type { ConnectionView } from "@/lib/connections";

// "Is this app in a private network?": one schema for the form and the
// server; the agent's team and revocation are checked when saving (test/integration/connection-agent.test.ts).

const base = { name: "Intranet API", baseUrl: "https://intranet.example.test/api", authType: "NONE" };

function errorsOf(input: unknown): Record<string, string> {
  const parsed = connectionInputSchema.safeParse(input);
  return parsed.success ? {} : fieldErrorsOf(parsed.error);
}

describe("the network choice in the connection schema", () => {
  it("defaults to the public internet when the choice is absent", () => {
    const parsed = connectionInputSchema.parse(base);
    expect(parsed.network).toBeUndefined();
    expect(chosenAgentId(parsed)).toBeNull();
  });

  it("accepts the public internet, and ignores an agent sent along with it", () => {
    expect(errorsOf({ ...base, network: "public" })).toEqual({});
    const parsed = connectionInputSchema.parse({ ...base, network: "public", agentId: "agent-1" });
    expect(chosenAgentId(parsed)).toBeNull();
  });

  it("accepts a private network with an agent, and keeps the agent", () => {
    const parsed = connectionInputSchema.parse({ ...base, network: "private", agentId: " agent-1 " });
    expect(chosenAgentId(parsed)).toBe("agent-1");
  });

  it("asks for the agent on the agent field when the private network has none", () => {
    for (const agentId of [undefined, "", "   "]) {
      expect(errorsOf({ ...base, network: "private", agentId })).toEqual({ agentId: "Choose the agent that reaches this API." });
    }
  });

  it("reports the missing agent next to the other fields' errors", () => {
    const errors = errorsOf({ ...base, name: "", authType: "BASIC", username: "", password: "", network: "private", agentId: "" });
    expect(errors.name).toBe("Enter a name.");
    expect(errors.username).toBe("Enter a username.");
    expect(errors.agentId).toBe("Choose the agent that reaches this API.");
  });

  it("refuses a network that is neither public nor private", () => {
    expect(Object.keys(errorsOf({ ...base, network: "vpn", agentId: "agent-1" }))).toEqual(["network"]);
  });
});

describe("the network choice in the form's draft", () => {
  const draft = (patch: Partial<ConnectionDraft>): ConnectionDraft => ({ ...emptyDraft(), name: "Intranet API", baseUrl: "https://intranet.example.test/api", authType: "NONE", ...patch });

  it("starts on the public internet with no agent chosen", () => {
    expect(emptyDraft()).toMatchObject({ network: "public", agentId: "" });
  });

  it("sends the agent only when the private network is chosen", () => {
    expect(inputFromDraft(draft({ network: "public", agentId: "agent-1" }))).toEqual({ name: "Intranet API", baseUrl: "https://intranet.example.test/api", network: "public", authType: "NONE" });
    expect(inputFromDraft(draft({ network: "private", agentId: "agent-1" }))).toMatchObject({ network: "private", agentId: "agent-1" });
  });

  it("parses to the chosen agent, or to a field error on the agent field", () => {
    const chosen = parseDraft(draft({ network: "private", agentId: "agent-1" }));
    expect(chosen.success && chosenAgentId(chosen.input)).toBe("agent-1");
    const switchedBack = parseDraft(draft({ network: "public", agentId: "agent-1" }));
    expect(switchedBack.success && chosenAgentId(switchedBack.input)).toBeNull();
    expect(parseDraft(draft({ network: "private", agentId: "" }))).toEqual({ success: false, fieldErrors: { agentId: "Choose the agent that reaches this API." } });
  });

  it("reads a submitted payload without the choice as the public internet", () => {
    const { network: _network, agentId: _agentId, ...older } = emptyDraft();
    const parsed = connectionDraftSchema.parse(older);
    expect(parsed).toMatchObject({ network: "public", agentId: "" });
    expect(connectionDraftSchema.safeParse({ ...emptyDraft(), network: "tunnel" }).success).toBe(false);
  });

  it("prefills an edited connection with its agent", () => {
    const saved = { name: "Intranet API", baseUrl: "https://intranet.example.test/api", authType: "NONE", config: {}, clientCertPem: null, oauthClientId: null };
    expect(draftFromConnection({ ...saved, agentId: "agent-1" } as unknown as ConnectionView)).toMatchObject({ network: "private", agentId: "agent-1" });
    expect(draftFromConnection({ ...saved, agentId: null } as unknown as ConnectionView)).toMatchObject({ network: "public", agentId: "" });
  });
});
