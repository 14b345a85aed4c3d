import ipaddr from "ipaddr.js";
import { z } from "zod";
import { recordId } from "../schemas/ids";
import { text } from "../schemas/text";

// Shared by the register form (checked in the browser first) and the server actions.

export const AGENT_NAME_MAX = 80;

/** The agent's own default when started without --allow (agent/keyway-agent.mjs). */
export const AGENT_DEFAULT_ALLOW = "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7";

/** Why one --allow entry would make the agent refuse to start, or null; the same rules as the agent's parseAllowList. */
function allowEntryProblem(entry: string): string | null {
  const [address = "", bits, ...rest] = entry.split("/");
  const family = ipaddr.IPv4.isValidFourPartDecimal(address) ? 4 : ipaddr.IPv6.isValid(address) && address.includes(":") ? 6 : 0;
  if (family !== 0 && rest.length === 0) {
    const max = family === 6 ? 128 : 32;
    return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max) ? null : `${entry}: the range's prefix length must be 0 to ${max}.`;
  }
  if (bits === undefined && (/^\*\.[a-z0-9.-]+$/i.test(entry) || /^[a-z0-9.-]+$/i.test(entry))) return null;
  return `${entry} is neither an address, a CIDR range nor a host name.`;
}

/** "10.1.0.0/16, api.internal *.corp.example" → the entries, in order, without repeats. */
export function allowEntries(list: string): string[] {
  return [...new Set(list.split(/[\s,]+/).filter(Boolean))];
}

export const agentCreateSchema = z.object({
  name: text({ error: "Name the agent after where it runs." })
    .trim()
    .min(1, "Name the agent after where it runs, e.g. “office network” or “eu-datacenter-1”.")
    .max(AGENT_NAME_MAX, `Use at most ${AGENT_NAME_MAX} characters.`),
});
export type AgentCreateInput = z.infer<typeof agentCreateSchema>;

/** The register form's: also the destinations, not stored but baked into the start command shown once (--allow), where the agent itself enforces them. */
export const agentRegisterFormSchema = agentCreateSchema.extend({
  allow: text()
    .max(2000, "Use at most 2000 characters.")
    .default("")
    .superRefine((list, ctx) => {
      const problem = allowEntries(list).map(allowEntryProblem).find(Boolean);
      if (problem) ctx.addIssue({ code: "custom", message: `${problem} Use addresses (10.1.2.3), ranges (10.1.0.0/16) and host names (api.internal, *.corp.example), separated by commas.` });
    })
    .transform((list) => allowEntries(list).join(",")),
});

export const agentRefSchema = z.object({ agentId: recordId("Choose an agent.") });
