// The command an admin runs to start a newly registered agent, shown once
// beside its token. The agent is one file Keyway serves (app/api/agents/script),
// so the machine inside the private network needs Node.js and nothing else.

export const AGENT_SCRIPT_PATH = "/api/agents/script";

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `allow`: the destinations the admin named ("10.1.0.0/16,api.internal"); empty leaves the agent's default private ranges. */
export function agentStartCommand(publicUrl: string, token: string, allow = ""): string {
  const base = publicUrl.replace(/\/+$/, "");
  return [
    `curl -fsSL ${shellQuote(`${base}${AGENT_SCRIPT_PATH}`)} -o keyway-agent.mjs &&`,
    `KEYWAY_AGENT_TOKEN=${shellQuote(token)} node keyway-agent.mjs --url ${shellQuote(base)}${allow ? ` --allow ${shellQuote(allow)}` : ""}`,
  ].join(" \\\n  ");
}
