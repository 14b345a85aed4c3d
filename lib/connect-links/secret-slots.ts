import { z } from "zod";
import type { StoredConfig, SecretHints, StoredSecrets } from "../connections/stored";
import { entryHintKey, hintFor } from "../connections/stored";

// The secret fields a person opening a connect link types for a connection
// that is not authorized at a provider: exactly the secrets its saved settings
// use, named as the connection page names them. The non-secret settings
// (header names, usernames, key ids) stay as the team set them.

export type SecretSlot = { key: string; label: string; multiline?: boolean };

export function secretSlots(authType: string, config: StoredConfig, hints: SecretHints): SecretSlot[] {
  const entries = (list: "headers" | "params") =>
    (config[list] ?? []).filter((entry) => entry.secret).map((entry) => ({ key: `${list}:${entry.id}`, label: list === "headers" ? `Header ${entry.name}` : `Query parameter ${entry.name}` }));
  switch (authType) {
    case "BASIC":
      return [{ key: "password", label: config.username ? `Password of ${config.username}` : "Password" }];
    case "DIGEST":
      return [{ key: "password", label: `Password of ${config.username ?? "the user"}` }];
    case "HEADER":
      return entries("headers");
    case "QUERY":
      return entries("params");
    case "CUSTOM":
      return [...entries("headers"), ...entries("params"), ...(config.username ? [{ key: "password", label: `Password of ${config.username}` }] : [])];
    case "BEARER":
      return [{ key: "token", label: "Token" }];
    case "AWS_SIGV4":
      return [
        { key: "secretAccessKey", label: `Secret access key of ${config.aws?.accessKeyId ?? "the access key"}` },
        ...(hints.sessionToken ? [{ key: "sessionToken", label: "Session token" }] : []),
      ];
    case "OAUTH1":
      return [
        config.oauth1?.signatureMethod === "RSA-SHA1" ? { key: "privateKeyPem", label: "Consumer private key (PEM)", multiline: true } : { key: "consumerSecret", label: "Consumer secret" },
        ...(config.oauth1?.token ? [{ key: "tokenSecret", label: "Token secret" }] : []),
      ];
    case "OAUTH2_CLIENT_CREDENTIALS":
      // Only a client typed in place has a secret of the connection's own; a registered client's is the team's.
      return config.oauth?.clientId && config.oauth.tokenAuthMethod !== "none" ? [{ key: "clientSecret", label: `Client secret of ${config.oauth.clientId}` }] : [];
    default:
      return [];
  }
}

/** The one schema of the link's secret form (server and page): every slot, typed, at most 64 KB. */
export function secretSlotsSchema(slots: SecretSlot[]) {
  return z.object(
    Object.fromEntries(
      slots.map((slot) => [slot.key, z.string({ error: `Fill in “${slot.label}”.` }).min(1, `Fill in “${slot.label}”.`).max(65_536, "Use at most 64 KB.")]),
    ),
  );
}

/** The saved secrets with the typed ones in their places, and the hints to show for them. */
export function fillSlots(secrets: StoredSecrets, hints: SecretHints, values: Record<string, string>): { secrets: StoredSecrets; hints: SecretHints } {
  const next: StoredSecrets = { ...secrets, entries: { ...secrets.entries } };
  const nextHints: SecretHints = { ...hints };
  for (const [key, value] of Object.entries(values)) {
    const entry = /^(headers|params):(.+)$/.exec(key);
    if (entry) {
      next.entries![entry[2]!] = value;
      nextHints[entryHintKey(entry[1] as "headers" | "params", entry[2]!)] = hintFor(value);
      continue;
    }
    (next as Record<string, unknown>)[key] = value;
    nextHints[key] = key === "privateKeyPem" ? { set: true } : hintFor(value);
  }
  return { secrets: next, hints: nextHints };
}
