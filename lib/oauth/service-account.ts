// A Google service account key file, as pasted into the connection form (the
// JSON Google Cloud console downloads under IAM & Admin → Service accounts →
// Keys). Read in the browser and on the server alike, so only the shape is
// checked here; whether the PEM is a key Node can sign with is checked on the
// server (lib/oauth/assertion-key.ts).

export type ServiceAccountKey = {
  clientEmail: string;
  privateKeyId: string;
  privateKeyPem: string;
  tokenUri: string;
  projectId?: string;
};

const PEM_PRIVATE_KEY = /^-----BEGIN (RSA )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/=\r\n]+-----END (RSA )?PRIVATE KEY-----\s*$/;

/** The key, or why the pasted text is not a service account key, in words for the field. */
export function parseServiceAccountKey(text: string): ServiceAccountKey | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: "That is not JSON: paste the whole key file (a .json file) Google Cloud gave you for the service account." };
  }
  if (!json || typeof json !== "object" || Array.isArray(json)) return { problem: "That JSON is not a service account key file: it should be an object with type “service_account”." };
  const key = json as Record<string, unknown>;
  if (key.web !== undefined || key.installed !== undefined) {
    return {
      problem:
        "That is an OAuth client file (client_secret_….json), not a service account key. In Google Cloud console, open IAM & Admin → Service accounts, choose the account, then Keys → Add key → Create new key → JSON.",
    };
  }
  if (key.type !== "service_account") {
    const type = typeof key.type === "string" ? `“${key.type.slice(0, 60)}”` : "missing";
    return { problem: `That key file's type is ${type}, not “service_account”: paste a service account's JSON key.` };
  }
  const missing = ["client_email", "private_key", "private_key_id", "token_uri"].filter((name) => typeof key[name] !== "string" || key[name] === "");
  if (missing.length > 0) return { problem: `The key file has no ${missing.join(", ")}: paste the whole file as Google Cloud downloaded it.` };
  const privateKeyPem = (key.private_key as string).trim();
  if (!PEM_PRIVATE_KEY.test(privateKeyPem.replace(/\r/g, "") + "\n")) {
    return { problem: "The key file's private_key is not a PEM private key (-----BEGIN PRIVATE KEY----- … -----END PRIVATE KEY-----); the file may have been edited. Download a new key." };
  }
  const tokenUri = key.token_uri as string;
  if (!URL.canParse(tokenUri) || !/^https?:$/.test(new URL(tokenUri).protocol)) return { problem: "The key file's token_uri is not an http(s) URL." };
  const clientEmail = (key.client_email as string).trim();
  if (!/^[^\s@]+@[^\s@]+$/.test(clientEmail)) return { problem: "The key file's client_email is not an email address." };
  return {
    clientEmail,
    privateKeyId: (key.private_key_id as string).trim(),
    privateKeyPem: privateKeyPem + "\n",
    tokenUri,
    ...(typeof key.project_id === "string" && key.project_id ? { projectId: key.project_id } : {}),
  };
}
