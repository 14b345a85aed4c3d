import { Badge, formatDateTime } from "@/components/ui";
import type { AgentChoice } from "@/lib/agents/options";
import type { AgentPresence } from "@/lib/agents/presence";

// How the connection pages put an agent's presence (lib/agents/presence.ts) in words.

/** "online", "offline since Mar 4, 2026, 9:12 AM UTC", "never connected", "revoked": to follow an agent's name. */
export function presenceText(presence: AgentPresence): string {
  switch (presence.state) {
    case "online":
      return "online";
    case "offline":
      return `offline since ${formatDateTime(presence.since)}`;
    case "never-connected":
      return "never connected";
    case "revoked":
      return "revoked";
  }
}

const PRESENCE_TONE = { online: "green", offline: "amber", "never-connected": "slate", revoked: "red" } as const;

/** The presence on its own, as a badge: "Online", "Offline since …", "Never connected", "Revoked". */
export function AgentPresenceBadge({ presence }: { presence: AgentPresence }) {
  const text = presenceText(presence);
  return <Badge tone={PRESENCE_TONE[presence.state]}>{text.charAt(0).toUpperCase() + text.slice(1)}</Badge>;
}

/** An agent as the connection form offers it: plain strings, ready to cross to the browser. */
export type AgentOption = { id: string; name: string; status: string; revoked: boolean };

export function agentOptions(choices: AgentChoice[]): AgentOption[] {
  return choices.map((choice) => ({ id: choice.id, name: choice.name, status: presenceText(choice.presence), revoked: choice.presence.state === "revoked" }));
}
