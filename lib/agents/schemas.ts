import { z } from "zod";
import { recordId } from "../schemas/ids";
import { text } from "../schemas/text";

// Shared by the register form (checked in the browser first) and the server actions.

export const AGENT_NAME_MAX = 80;

export const agentCreateSchema = z.object({
  name: text({ error: "Name the agent after where it runs." })
    .trim()
    .min(1, "Name the agent after where it runs, e.g. “office network” or “eu-datacenter-1”.")
    .max(AGENT_NAME_MAX, `Use at most ${AGENT_NAME_MAX} characters.`),
});
export type AgentCreateInput = z.infer<typeof agentCreateSchema>;

export const agentRefSchema = z.object({ agentId: recordId("Choose an agent.") });
