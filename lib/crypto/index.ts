import { keyIdOf, open, seal } from "./envelope";
import { DecryptionError } from "./errors";
import { configuredKeyring, type Keyring } from "./keyring";

// Secrets at rest (DESIGN.md, "Secrets"). The envelope format and what the
// optional `context` binds are described in ./envelope.ts; the keyring
// (KEYWAY_ENCRYPTION_KEYS, the development key) in ./keyring.ts.
//
// Every function takes the keyring as its last parameter and defaults to the
// one configured for this process, so tests pass their own and never touch the
// environment or the disk.

export { DecryptionError, KeyringError, MalformedEnvelopeError, UnknownKeyError } from "./errors";
export {
  configuredKeyring,
  loadKeyring,
  parseKeyring,
  resetKeyringForTests,
  type Keyring,
  type KeyringEnv,
  type KeyringKey,
  type KeyringSource,
} from "./keyring";
export { keyIdOf };

export function encryptSecret(plaintext: string, context?: string, keyring: Keyring = configuredKeyring()): string {
  return seal(keyring, plaintext, context);
}

export function decryptSecret(envelope: string, context?: string, keyring: Keyring = configuredKeyring()): string {
  return open(keyring, envelope, context);
}

export function encryptJson(value: unknown, context?: string, keyring: Keyring = configuredKeyring()): string {
  const json = JSON.stringify(value);
  // JSON.stringify returns undefined for these rather than throwing; decrypting would then fail far from the cause.
  if (json === undefined) throw new TypeError("encryptJson: the value has no JSON form (undefined, a function or a symbol).");
  return seal(keyring, json, context);
}

/** The parsed JSON; `T` is not checked, so validate the result when its shape matters. */
export function decryptJson<T>(envelope: string, context?: string, keyring: Keyring = configuredKeyring()): T {
  const json = open(keyring, envelope, context);
  try {
    return JSON.parse(json) as T;
  } catch {
    // JSON.parse's own message quotes the text it choked on: the plaintext.
    throw new DecryptionError("A secret decrypted, but is not the JSON that encryptJson writes.");
  }
}

/** True when the envelope was not sealed with the keyring's newest key. */
export function needsRotation(envelope: string, keyring: Keyring = configuredKeyring()): boolean {
  return keyIdOf(envelope) !== keyring.current.id;
}

/**
 * The envelope sealed with the newest key. One already sealed with it comes
 * back unchanged (still checked to decrypt), so a rotation only writes rows
 * whose value changed.
 */
export function reencrypt(envelope: string, keyring: Keyring = configuredKeyring(), context?: string): string {
  const plaintext = open(keyring, envelope, context);
  return needsRotation(envelope, keyring) ? seal(keyring, plaintext, context) : envelope;
}

/**
 * The last four characters, for the UI to show which secret is set; null for
 * secrets under 12 characters, where four would give away too much of it.
 */
export function lastFour(secret: string): string | null {
  // By code point, so an emoji at the end is not cut in half.
  const characters = Array.from(secret);
  return characters.length >= 12 ? characters.slice(-4).join("") : null;
}
