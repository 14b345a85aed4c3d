import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { addressAllowed, nameAllowed, parseAllowList } from "@/agent/keyway-agent.mjs";
import { agentStartCommand } from "@/lib/agents/command";
import { decodeEnvelope, decodeFrame, encodeEnvelope, encodeFrame, headerObject, headerPairs } from "@/lib/agents/frames";
import { AGENT_STALE_MS, agentPresence } from "@/lib/agents/presence";
import { looksLikeAgentToken, newAgentToken } from "@/lib/agents/secret";

describe("agent frames", () => {
  it("carry JSON and raw bytes, and keep repeated headers apart", () => {
    const data = Buffer.from([0, 1, 2, 255]);
    const message = encodeFrame({ t: "head", id: "i.1", status: 200, headers: headerPairs({ "set-cookie": ["a=1", "b=2"], "content-type": "text/plain" }) }, data);
    const { frame, data: decodedData } = decodeFrame(message);
    expect(frame).toEqual({ t: "head", id: "i.1", status: 200, headers: [["set-cookie", "a=1"], ["set-cookie", "b=2"], ["content-type", "text/plain"]] });
    expect(decodedData.equals(data)).toBe(true);
    expect(headerObject((frame as { headers: [string, string][] }).headers)).toEqual({ "set-cookie": ["a=1", "b=2"], "content-type": "text/plain" });
  });

  it("refuse what is not a frame, while envelopes between instances need no type", () => {
    expect(() => decodeFrame(Buffer.from([0, 0]))).toThrow(/too short/);
    expect(() => decodeFrame(Buffer.from([0, 0, 0, 9, 123]))).toThrow(/cut short/);
    expect(() => decodeFrame(encodeEnvelope({ k: "to-agent" }))).toThrow(/without a type/);
    expect(decodeEnvelope<{ k: string }>(encodeEnvelope({ k: "to-agent" })).header.k).toBe("to-agent");
  });
});

describe("agent presence", () => {
  const base = { revokedAt: null, instanceId: null, sessionId: null, connectedAt: null, lastSeenAt: null, disconnectedAt: null };
  const now = Date.parse("2026-12-01T10:00:00Z");

  it("is online while the holding instance renews it, offline once it stops or the agent leaves", () => {
    const connectedAt = new Date(now - 60_000);
    expect(agentPresence({ ...base, instanceId: "i", connectedAt, lastSeenAt: new Date(now - 1_000) }, now)).toEqual({ state: "online", since: connectedAt });
    const stale = new Date(now - AGENT_STALE_MS - 1);
    expect(agentPresence({ ...base, instanceId: "i", connectedAt, lastSeenAt: stale }, now)).toEqual({ state: "offline", since: stale });
    const left = new Date(now - 5_000);
    expect(agentPresence({ ...base, lastSeenAt: new Date(now - 9_000), disconnectedAt: left }, now)).toEqual({ state: "offline", since: left });
    expect(agentPresence(base, now)).toEqual({ state: "never-connected" });
    expect(agentPresence({ ...base, revokedAt: left, instanceId: "i", lastSeenAt: new Date(now) }, now)).toEqual({ state: "revoked", since: left });
  });
});

describe("agent tokens and the start command", () => {
  it("are kwa_ and 256 random bits, told apart from API keys", () => {
    const { token, prefix, tokenHash } = newAgentToken();
    expect(looksLikeAgentToken(token)).toBe(true);
    expect(looksLikeAgentToken(`kw_${token.slice(4)}`)).toBe(false);
    expect(prefix).toBe(token.slice(0, 12));
    expect(tokenHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("downloads the script from Keyway and passes the token in the environment, quoted for the shell", () => {
    expect(agentStartCommand("https://keyway.example.com/", "kwa_abc")).toBe(
      "curl -fsSL https://keyway.example.com/api/agents/script -o keyway-agent.mjs && \\\n  KEYWAY_AGENT_TOKEN=kwa_abc node keyway-agent.mjs --url https://keyway.example.com",
    );
    expect(agentStartCommand("https://k.example/it's", "kwa_x")).toContain(`--url 'https://k.example/it'\\''s'`);
  });
});

describe("the agent's allow list", () => {
  it("names ranges, single addresses, host names and subdomains", () => {
    const allow = parseAllowList("10.0.0.0/8, 192.168.1.20, fc00::/7, api.internal, *.corp.example");
    expect(addressAllowed(allow, "10.20.30.40")).toBe(true);
    expect(addressAllowed(allow, "192.168.1.20")).toBe(true);
    expect(addressAllowed(allow, "192.168.1.21")).toBe(false);
    expect(addressAllowed(allow, "fd12::1")).toBe(true);
    expect(addressAllowed(allow, "169.254.169.254")).toBe(false);
    expect(addressAllowed(allow, "not-an-address")).toBe(false);
    expect(nameAllowed(allow, "API.internal")).toBe(true);
    expect(nameAllowed(allow, "billing.corp.example")).toBe(true);
    expect(nameAllowed(allow, "corp.example")).toBe(false);
    expect(nameAllowed(allow, "api.internal.evil.example")).toBe(false);
  });

  it("defaults to the private ranges, without loopback or link-local", () => {
    const allow = parseAllowList("10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7");
    expect(addressAllowed(allow, "172.31.0.1")).toBe(true);
    expect(addressAllowed(allow, "127.0.0.1")).toBe(false);
    expect(addressAllowed(allow, "169.254.169.254")).toBe(false);
  });

  it("makes the agent refuse to start on an entry it cannot read, or without its settings", () => {
    const script = path.join(process.cwd(), "agent", "keyway-agent.mjs");
    const token = `kwa_${"a".repeat(43)}`;
    const run = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [script, ...args], { env: { PATH: process.env.PATH ?? "", NODE_ENV: "production", ...env }, encoding: "utf8" });
    const badRange = run(["--url", "https://k.example", "--allow", "10.0.0.0/40"], { KEYWAY_AGENT_TOKEN: token });
    expect(badRange.status).toBe(2);
    expect(badRange.stderr).toContain("--allow: 10.0.0.0/40 is not a valid range.");
    const noToken = run(["--url", "https://k.example"]);
    expect(noToken.status).toBe(2);
    expect(noToken.stderr).toContain("KEYWAY_AGENT_TOKEN");
    const noUrl = run([], { KEYWAY_AGENT_TOKEN: token });
    expect(noUrl.stderr).toContain("Keyway's URL is missing");
  });
});
