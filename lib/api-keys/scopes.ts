// What a team API key may do. "proxy" is what every key could do before
// scopes existed (the migration gives it to them); the others open parts of
// the management API, /api/v1 (lib/api).

export const API_KEY_SCOPES = ["proxy", "connections:read", "connections:write", "credentials:read", "audit:read", "admin"] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export const API_KEY_SCOPE_LABEL: Record<ApiKeyScope, string> = {
  proxy: "Proxy: call the team's connections through /api/proxy",
  "connections:read": "Read connections, OAuth clients, test history and webhook events",
  "connections:write": "Create, change, test and delete connections and OAuth clients",
  "credentials:read": "Read the credentials of connections whose admins allowed it",
  "audit:read": "Read the audit log",
  admin: "Manage API keys and agents, read members",
};

export function hasScope(scopes: readonly string[], needed: ApiKeyScope): boolean {
  return scopes.includes(needed);
}
