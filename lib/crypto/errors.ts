// Messages here may reach logs and error pages, so none of them ever carries a
// plaintext, a key, or the text of an envelope (which might be a plaintext
// stored by mistake). Key ids and positions are fine: they are not secret.

/** KEYWAY_ENCRYPTION_KEYS (or the development key file) is missing or malformed. */
export class KeyringError extends Error {
  override name = "KeyringError";
}

/** The envelope names a key that the keyring no longer holds: an operator can fix this. */
export class UnknownKeyError extends Error {
  override name = "UnknownKeyError";

  constructor(readonly keyId: string) {
    super(
      `This secret was encrypted with key "${keyId}", which is not in the keyring. ` +
        `Add key "${keyId}" back to KEYWAY_ENCRYPTION_KEYS (after the newest key) to read it.`,
    );
  }
}

/** The envelope was altered, belongs to another record, or was sealed with other key bytes. */
export class DecryptionError extends Error {
  override name = "DecryptionError";
}

/** Not something encryptSecret wrote; a subclass so one `catch (DecryptionError)` covers both. */
export class MalformedEnvelopeError extends DecryptionError {
  override name = "MalformedEnvelopeError";
}
