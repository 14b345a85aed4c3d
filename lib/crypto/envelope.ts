import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { DecryptionError, MalformedEnvelopeError, UnknownKeyError } from "./errors";
import { KEY_ID_PATTERN, type Keyring } from "./keyring";

// Envelope, one string per secret:
//
//   v1.<key id>.<nonce>.<ciphertext + tag>
//
// - "v1": AES-256-GCM, a random 96-bit nonce, a 128-bit tag appended to the ciphertext;
// - key id: which keyring key sealed it ([A-Za-z0-9_-]{1,32}, so never a ".");
// - nonce and ciphertext + tag: unpadded base64url.
//
// The GCM additional authenticated data is "v1.<key id>.<context>". Binding the
// version and key id means relabelling an envelope with another key id is
// detected. The context is the caller's: passing the id of the record the
// secret belongs to makes an envelope copied into another record fail to
// decrypt. The context is not stored, so the same one must be passed to
// decrypt; no context and "" are the same context.

const VERSION = "v1";
const ALGORITHM = "aes-256-gcm";
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

type Envelope = { keyId: string; nonce: Buffer; ciphertext: Buffer; tag: Buffer };

function additionalData(keyId: string, context: string | undefined): Buffer {
  return Buffer.from(`${VERSION}.${keyId}.${context ?? ""}`, "utf8");
}

/** Seals `plaintext` with the keyring's newest key. */
export function seal(keyring: Keyring, plaintext: string, context?: string): string {
  const { id, key } = keyring.current;
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(id, context));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const sealed = Buffer.concat([ciphertext, cipher.getAuthTag()]);
  return [VERSION, id, nonce.toString("base64url"), sealed.toString("base64url")].join(".");
}

/** Opens an envelope with whichever keyring key sealed it. */
export function open(keyring: Keyring, envelope: string, context?: string): string {
  const { keyId, nonce, ciphertext, tag } = parseEnvelope(envelope);
  const key = keyring.keys.get(keyId);
  if (!key) throw new UnknownKeyError(keyId);
  const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(keyId, context));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
  } catch {
    // GCM only says "not authentic"; it cannot tell tampering from a wrong context or key.
    throw new DecryptionError(
      `A secret could not be decrypted: its envelope was altered, it belongs to another record, ` +
        `or key "${keyId}" in the keyring is not the key it was encrypted with.`,
    );
  }
}

/** The id of the key that sealed an envelope. */
export function keyIdOf(envelope: string): string {
  return parseEnvelope(envelope).keyId;
}

// Never quotes the envelope: a value that is not an envelope may be a plaintext secret.
function parseEnvelope(envelope: string): Envelope {
  const parts = envelope.split(".");
  const [version, keyId, encodedNonce, encodedSealed] = parts;
  if (parts.length !== 4 || version === undefined || keyId === undefined || encodedNonce === undefined || encodedSealed === undefined) {
    throw new MalformedEnvelopeError(`This is not an encrypted secret: expected "${VERSION}.<key id>.<nonce>.<ciphertext>".`);
  }
  if (version !== VERSION) {
    throw new MalformedEnvelopeError(
      /^v\d+$/.test(version)
        ? `This secret uses envelope version "${version}", which this version of Keyway cannot read.`
        : `This is not an encrypted secret: it does not start with "${VERSION}.".`,
    );
  }
  if (!KEY_ID_PATTERN.test(keyId)) throw new MalformedEnvelopeError("This encrypted secret has an invalid key id.");
  const nonce = decodeBase64Url(encodedNonce, "nonce");
  if (nonce.length !== NONCE_BYTES) throw new MalformedEnvelopeError(`This encrypted secret's nonce is ${nonce.length} bytes, not ${NONCE_BYTES}.`);
  const sealed = decodeBase64Url(encodedSealed, "ciphertext");
  if (sealed.length < TAG_BYTES) throw new MalformedEnvelopeError("This encrypted secret is too short to hold its authentication tag.");
  const tagStart = sealed.length - TAG_BYTES;
  return { keyId, nonce, ciphertext: sealed.subarray(0, tagStart), tag: sealed.subarray(tagStart) };
}

// Buffer.from skips characters it does not know and ignores leftover bits, so
// decode strictly: one envelope has one spelling.
function decodeBase64Url(text: string, part: string): Buffer {
  const bytes = BASE64URL.test(text) ? Buffer.from(text, "base64url") : undefined;
  if (!bytes || bytes.toString("base64url") !== text) {
    throw new MalformedEnvelopeError(`This encrypted secret's ${part} is not valid base64url.`);
  }
  return bytes;
}
