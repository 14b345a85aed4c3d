import { describe, expect, it, vi } from "vitest";
import { parseAllowList as agentParseAllowList } from "@/agent/keyway-agent.mjs";
import { agentStartCommand } from "@/lib/agents/command";
import { agentRegisterFormSchema } from "@/lib/agents/schemas";
import { auditSentence } from "@/lib/audit-sentence";
import { connectionListWhere, isFiltered, parseConnectionListQuery } from "@/lib/connections/list-query";
import { parseAllowList, refusalForUrl } from "@/lib/outbound/address-policy";
import { pathUnderBase } from "@/lib/connections/request-path";

// The pure parts behind the Connections list, the audit log's sentences, the
// Base URL warning, the agent form's --allow and the test history's paths.

describe("the Connections list's URL", () => {
  it("reads search, filters and sort, and drops what it does not know instead of failing the page", () => {
    expect(parseConnectionListQuery({ q: "  stripe ", status: "FAILING", type: "HEADER", sort: "last-tested" })).toEqual({ q: "stripe", status: "FAILING", type: "HEADER", sort: "last-tested" });
    expect(parseConnectionListQuery({ q: "", status: "BROKEN", type: "KERBEROS", sort: "random" })).toEqual({ q: undefined, status: undefined, type: undefined, sort: "name" });
    expect(parseConnectionListQuery({ q: ["a", "b"], sort: ["status", "name"] })).toMatchObject({ q: "a", sort: "status" });
    expect(parseConnectionListQuery({ q: "x".repeat(500) }).q).toBeUndefined();
    expect(isFiltered(parseConnectionListQuery({ sort: "newest" }))).toBe(false);
    expect(isFiltered(parseConnectionListQuery({ type: "BASIC" }))).toBe(true);
  });

  it("searches the name and the base URL, case-insensitively", () => {
    expect(connectionListWhere(parseConnectionListQuery({ q: "Api.Stripe" }))).toEqual({
      OR: [{ name: { contains: "Api.Stripe", mode: "insensitive" } }, { baseUrl: { contains: "Api.Stripe", mode: "insensitive" } }],
    });
  });
});

describe("audit sentences", () => {
  it("read as verb phrases around the object, with the outcome after a dash", () => {
    expect(auditSentence("connection.tested", { status: 200, ok: true })).toEqual({ before: "tested", object: true, outcome: "200" });
    expect(auditSentence("connection.tested", { status: null, errorKind: "timeout" })).toMatchObject({ outcome: "failed (timeout)" });
    expect(auditSentence("member.role_changed", { from: "MEMBER", to: "ADMIN" })).toMatchObject({ before: "changed the role of", outcome: "Member → Admin" });
    expect(auditSentence("member.joined", { role: "VIEWER" })).toEqual({ before: "joined the team", object: false, outcome: "Viewer" });
    expect(auditSentence("connection.credentials_access_changed", { allowed: false }).before).toBe("stopped services reading the credentials of");
  });

  it("fall back to the action's code for an action this build does not know, and ignore data that is not an object", () => {
    expect(auditSentence("connection.teleported", null)).toEqual({ before: "connection.teleported", object: true });
    expect(auditSentence("connection.tested", [1, 2])).toEqual({ before: "tested", object: true, outcome: undefined });
  });
});

describe("the Base URL warning", () => {
  const none = parseAllowList("");
  it("names what outbound safety refuses, and KEYWAY_OUTBOUND_ALLOW as the way out", () => {
    expect(refusalForUrl("http://127.0.0.1:4567/v1", none)).toBe(
      "Blocked by outbound safety: 127.0.0.1 is a loopback address. If this API really lives there, an administrator can allow the range with KEYWAY_OUTBOUND_ALLOW (for example 127.0.0.1/32).",
    );
    expect(refusalForUrl("https://10.1.2.3", none)).toMatch(/10\.1\.2\.3 is a private-network address.*KEYWAY_OUTBOUND_ALLOW/);
    expect(refusalForUrl("http://[::1]:8080/", none)).toMatch(/::1 is a loopback address/);
    // Spelled otherwise, the same address: the URL parser makes it dotted decimal, as on the server.
    expect(refusalForUrl("http://2130706433/", none)).toMatch(/127\.0\.0\.1 is a loopback address/);
    expect(refusalForUrl("http://localhost:3000", none)).toMatch(/^Blocked by outbound safety: localhost resolves to 127\.0\.0\.1/);
    expect(refusalForUrl("http://169.254.169.254/latest", parseAllowList("169.254.0.0/16"))).toMatch(/never sends requests to cloud metadata/);
  });

  it("follows the instance's allow list, and says nothing of host names, public addresses and what is not a URL yet", () => {
    expect(refusalForUrl("http://127.0.0.1:4567", parseAllowList("127.0.0.1/32"))).toBeNull();
    expect(refusalForUrl("http://localhost:4567", parseAllowList("127.0.0.1/32"))).toMatch(/localhost resolves to ::1, which is a loopback address/);
    expect(refusalForUrl("http://localhost:4567", parseAllowList("127.0.0.1/32,::1/128"))).toBeNull();
    expect(refusalForUrl("https://api.example.com", none)).toBeNull();
    expect(refusalForUrl("https://93.184.216.34", none)).toBeNull();
    expect(refusalForUrl("http://127.0", none)).toMatch(/loopback/);
    expect(refusalForUrl("not a url", none)).toBeNull();
    expect(refusalForUrl("ftp://127.0.0.1", none)).toBeNull();
  });
});

describe("the agent form's destinations", () => {
  /** Whether the agent itself starts with this --allow (it exits on a bad one before connecting). */
  function agentAccepts(allow: string): boolean {
    const exit = vi.spyOn(process, "exit").mockImplementation(() => {
      throw new Error("exit");
    });
    const error = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      agentParseAllowList(allow);
      return true;
    } catch {
      return false;
    } finally {
      exit.mockRestore();
      error.mockRestore();
    }
  }

  it("accepts what the agent accepts and refuses what it refuses", () => {
    const samples = ["10.1.0.0/16", "192.168.1.20", "fc00::/7", "::1", "api.internal", "*.corp.example", "10.0.0.0/33", "fc00::/129", "api.internal/8", "http://x", "*.", "a_b.example"];
    for (const entry of samples) {
      expect(agentRegisterFormSchema.safeParse({ name: "office", allow: entry }).success, entry).toBe(agentAccepts(entry));
    }
  });

  it("bakes the list into the start command, and leaves --allow out when empty", () => {
    const parsed = agentRegisterFormSchema.parse({ name: "office", allow: " 10.1.0.0/16,\napi.internal  *.corp.example, 10.1.0.0/16 " });
    expect(parsed.allow).toBe("10.1.0.0/16,api.internal,*.corp.example");
    expect(agentStartCommand("https://keyway.example.com", "kwa_x", parsed.allow)).toMatch(/--url https:\/\/keyway\.example\.com --allow '10\.1\.0\.0\/16,api\.internal,\*\.corp\.example'$/);
    expect(agentStartCommand("https://keyway.example.com", "kwa_x", agentRegisterFormSchema.parse({ name: "office" }).allow)).not.toContain("--allow");
  });
});

describe("test history paths", () => {
  it("are relative to the base URL, whole when the run went elsewhere", () => {
    expect(pathUnderBase("http://127.0.0.1:4567/secure/users?limit=1", "http://127.0.0.1:4567/secure")).toBe("/users?limit=1");
    expect(pathUnderBase("http://127.0.0.1:4567/secure", "http://127.0.0.1:4567/secure/")).toBe("/");
    expect(pathUnderBase("http://127.0.0.1:4567/secure?x=1", "http://127.0.0.1:4567/secure")).toBe("?x=1");
    expect(pathUnderBase("http://127.0.0.1:4567/secured/x", "http://127.0.0.1:4567/secure")).toBe("http://127.0.0.1:4567/secured/x");
    expect(pathUnderBase("https://other.example/x", "http://127.0.0.1:4567")).toBe("https://other.example/x");
  });
});
