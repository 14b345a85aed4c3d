import type { StoredConfig, SecretHints, StoredSecrets } from "../connections/stored";
import { entryHintKey, hintFor } from "../connections/stored";
import { usesClientSecret } from "../oauth/schemas";
import { parseServiceAccountKey } from "../oauth/service-account";

// The secret fields a person opening a connect link types for a connection
// that is not authorized at a provider: exactly the secrets its saved settings
// use, named as the connection page names them. The non-secret settings
// (header names, usernames, key ids) stay as the team set them.

export type SecretSlot = { key: string; label: string; multiline?: boolean; hint?: string };

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
    case "OAUTH2_CLIENT_CREDENTIALS": {
      // Only a client typed in place has a secret of the connection's own; a registered client's is the team's.
      const oauth = config.oauth;
      if (!oauth?.clientId) return [];
      if (oauth.tokenAuthMethod === "private_key_jwt") {
        return [{ key: "clientPrivateKeyPem", label: `Private key (PEM) of ${oauth.clientId}`, multiline: true, hint: `An unencrypted ${oauth.assertionAlg ?? "RS256"} private key; the provider holds its public key.` }];
      }
      // A certificate-authenticated client's secret is its certificate, which stays with the team.
      return usesClientSecret(oauth.tokenAuthMethod ?? "client_secret_basic") ? [{ key: "clientSecret", label: `Client secret of ${oauth.clientId}` }] : [];
    }
    case "GOOGLE_SERVICE_ACCOUNT":
      return [
        {
          key: "serviceAccountKey",
          label: "Service account key file (JSON)",
          multiline: true,
          hint: "Paste the whole .json file from Google Cloud console: IAM & Admin → Service accounts → the account → Keys → Add key → JSON.",
        },
      ];
    case "OAUTH2_JWT_BEARER":
      return [
        {
          key: "assertionKeyPem",
          label: config.oauth?.issuer ? `Private key (PEM) of ${config.oauth.issuer}` : "Private key (PEM)",
          multiline: true,
          hint: `An unencrypted ${config.oauth?.assertionAlg ?? "RS256"} private key; the authorization server holds its public key.`,
        },
      ];
    default:
      return [];
  }
}

/** Hints that only say "set" (a key is not recognizable by its last characters). */
const KEY_SLOTS = new Set(["privateKeyPem", "clientPrivateKeyPem", "assertionKeyPem", "serviceAccountKey"]);

/**
 * The saved secrets with the typed ones in their places, and the hints to show
 * for them. A Google key file also names the account, key and token URL, which
 * the connection keeps in its settings as the connection form's save does.
 */
export function fillSlots(
  config: StoredConfig,
  secrets: StoredSecrets,
  hints: SecretHints,
  values: Record<string, string>,
): { config: StoredConfig; secrets: StoredSecrets; hints: SecretHints } {
  let nextConfig = config;
  const next: StoredSecrets = { ...secrets, entries: { ...secrets.entries } };
  const nextHints: SecretHints = { ...hints };
  for (const [key, value] of Object.entries(values)) {
    if (key === "serviceAccountKey") {
      const parsed = parseServiceAccountKey(value);
      // Checked before (slotValueProblems in ./index.ts); a key that does not parse is never stored.
      if ("problem" in parsed) throw new Error(parsed.problem);
      const { projectId: _oldProject, ...oauth } = config.oauth ?? { extraParams: [] };
      nextConfig = {
        ...config,
        oauth: { ...oauth, tokenUrl: parsed.tokenUri, issuer: parsed.clientEmail, assertionAlg: "RS256", assertionKid: parsed.privateKeyId, ...(parsed.projectId ? { projectId: parsed.projectId } : {}) },
      };
      next.assertionKeyPem = parsed.privateKeyPem;
      nextHints.serviceAccountKey = { set: true };
      continue;
    }
    const entry = /^(headers|params):(.+)$/.exec(key);
    if (entry) {
      next.entries![entry[2]!] = value;
      nextHints[entryHintKey(entry[1] as "headers" | "params", entry[2]!)] = hintFor(value);
      continue;
    }
    (next as Record<string, unknown>)[key] = value;
    nextHints[key] = KEY_SLOTS.has(key) ? { set: true } : hintFor(value);
  }
  return { config: nextConfig, secrets: next, hints: nextHints };
}
