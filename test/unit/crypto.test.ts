import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  configuredKeyring,
  DecryptionError,
  decryptJson,
  decryptSecret,
  encryptJson,
  encryptSecret,
  keyIdOf,
  KeyringError,
  lastFour,
  loadKeyring,
  MalformedEnvelopeError,
  needsRotation,
  parseKeyring,
  reencrypt,
  resetKeyringForTests,
  UnknownKeyError,
} from "@/lib/crypto";

const base64Key = () => randomBytes(32).toString("base64");
const k1 = `k1:${base64Key()}`;
const k2 = `k2:${base64Key()}`;
const ring = parseKeyring(k1);

/** Flips one bit of byte `index` (negative counts from the end) of one base64url part of an envelope. */
function flipBit(envelope: string, part: 2 | 3, index: number): string {
  const parts = envelope.split(".");
  const bytes = Buffer.from(parts[part]!, "base64url");
  const at = index < 0 ? bytes.length + index : index;
  bytes[at]! ^= 0x01;
  parts[part] = bytes.toString("base64url");
  return parts.join(".");
}

function thrownBy(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error("did not throw");
}

describe("encrypting secrets", () => {
  it("round-trips text, including non-ASCII and the empty string", () => {
    for (const secret of ["sk_live_51HxYz", "pässwörd 🔑 密码", ""]) {
      const envelope = encryptSecret(secret, "conn-1", ring);
      expect(envelope).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22,}$/);
      expect(decryptSecret(envelope, "conn-1", ring)).toBe(secret);
    }
    expect(decryptSecret(encryptSecret("no context", undefined, ring), undefined, ring)).toBe("no context");
  });

  it("never shows the plaintext in the envelope", () => {
    const secret = "correct horse battery staple";
    const envelope = encryptSecret(secret, undefined, ring);
    expect(envelope).not.toContain(secret);
    expect(envelope).not.toContain(Buffer.from(secret).toString("base64url"));
  });

  it("round-trips JSON", () => {
    const value = { password: "hunter2", headers: [{ name: "X-Api-Key", value: "ключ" }], nested: { n: 1, ok: true, none: null } };
    const envelope = encryptJson(value, "conn-1", ring);
    expect(decryptJson<typeof value>(envelope, "conn-1", ring)).toEqual(value);
    expect(() => encryptJson(undefined, "conn-1", ring)).toThrow(TypeError);
  });

  it("refuses to parse a non-JSON secret as JSON without quoting it", () => {
    const envelope = encryptSecret("not json: hunter2", "c", ring);
    const error = thrownBy(() => decryptJson(envelope, "c", ring));
    expect(error).toBeInstanceOf(DecryptionError);
    expect(error.message).not.toContain("hunter2");
  });

  it("uses a fresh nonce for every value", () => {
    const first = encryptSecret("same", "c", ring);
    const second = encryptSecret("same", "c", ring);
    expect(first).not.toBe(second);
    expect(first.split(".")[2]).not.toBe(second.split(".")[2]);
  });
});

describe("refusing altered or misplaced envelopes", () => {
  const secret = "s3cr3t-value-1234";
  const envelope = encryptSecret(secret, "conn-1", ring);

  it.each([
    ["the ciphertext", flipBit(envelope, 3, 0)],
    ["the tag", flipBit(envelope, 3, -1)],
    ["the nonce", flipBit(envelope, 2, 0)],
  ])("refuses a change to %s", (_part, altered) => {
    expect(altered).not.toBe(envelope);
    const error = thrownBy(() => decryptSecret(altered, "conn-1", ring));
    expect(error).toBeInstanceOf(DecryptionError);
    expect(error).not.toBeInstanceOf(MalformedEnvelopeError);
    expect(error.message).not.toContain(secret);
  });

  it("refuses the envelope of another record (wrong context) and one without its context", () => {
    expect(() => decryptSecret(envelope, "conn-2", ring)).toThrow(DecryptionError);
    expect(() => decryptSecret(envelope, undefined, ring)).toThrow(DecryptionError);
  });

  it("refuses an envelope relabelled with another key id, even when that id holds the same key bytes", () => {
    const sameBytesTwoIds = parseKeyring(`${k1},k9:${k1.slice("k1:".length)}`);
    expect(decryptSecret(envelope, "conn-1", sameBytesTwoIds)).toBe(secret);
    const relabelled = envelope.replace(/^v1\.k1\./, "v1.k9.");
    expect(keyIdOf(relabelled)).toBe("k9");
    const error = thrownBy(() => decryptSecret(relabelled, "conn-1", sameBytesTwoIds));
    expect(error).toBeInstanceOf(DecryptionError);
    expect(error.message).toContain('"k9"');
  });

  it("refuses envelopes encrypted with different key bytes under the same id", () => {
    const otherBytesSameId = parseKeyring(`k1:${base64Key()}`);
    expect(() => decryptSecret(envelope, "conn-1", otherBytesSameId)).toThrow(DecryptionError);
  });

  it.each([
    ["plain text", "hunter2-plaintext", /not an encrypted secret/],
    ["too few parts", "v1.k1.abc", /not an encrypted secret/],
    ["an unknown version", envelope.replace(/^v1\./, "v2."), /version "v2"/],
    ["a bad key id", envelope.replace(/^v1\.k1\./, "v1.k!1."), /invalid key id/],
    ["a short nonce", envelope.replace(/^(v1\.k1\.)[^.]+/, "$1AAAA"), /nonce is 3 bytes/],
    ["a non-base64url nonce", envelope.replace(/^(v1\.k1\.).(.*)$/, "$1+$2"), /nonce is not valid base64url/],
    ["a missing tag", envelope.replace(/\.[^.]+$/, ".AAAA"), /too short/],
    ["an empty ciphertext part", envelope.replace(/\.[^.]+$/, "."), /ciphertext is not valid base64url/],
  ])("explains a malformed envelope: %s", (_case, malformed, message) => {
    const error = thrownBy(() => decryptSecret(malformed, "conn-1", ring));
    expect(error).toBeInstanceOf(MalformedEnvelopeError);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain("hunter2");
  });

  it("refuses a second spelling of the same bytes", () => {
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    // 3 bytes of plaintext + 16 of tag = 19 bytes, so the last character carries 4 unused bits.
    const canonical = encryptSecret("abc", "c", ring);
    const respelt = canonical.slice(0, -1) + alphabet[alphabet.indexOf(canonical.at(-1)!) + 1];
    const sealedBytes = (envelope: string) => Buffer.from(envelope.split(".")[3]!, "base64url");
    expect(sealedBytes(respelt).equals(sealedBytes(canonical))).toBe(true);
    expect(() => decryptSecret(respelt, "c", ring)).toThrow(MalformedEnvelopeError);
  });
});

describe("rotating keys", () => {
  it("decrypts with an older key, and reencrypt moves the secret to the newest key", () => {
    const old = encryptSecret("rotate me", "conn-1", parseKeyring(k1));
    const rotated = parseKeyring(`${k2},${k1}`);
    expect(rotated.current.id).toBe("k2");
    expect(decryptSecret(old, "conn-1", rotated)).toBe("rotate me");
    expect(needsRotation(old, rotated)).toBe(true);

    const fresh = reencrypt(old, rotated, "conn-1");
    expect(keyIdOf(fresh)).toBe("k2");
    expect(needsRotation(fresh, rotated)).toBe(false);
    expect(decryptSecret(fresh, "conn-1", parseKeyring(k2))).toBe("rotate me");
    expect(() => decryptSecret(old, "conn-1", parseKeyring(k2))).toThrow(UnknownKeyError);
  });

  it("leaves an envelope already on the newest key as it is, but still checks its context", () => {
    const current = encryptSecret("fresh", "conn-1", ring);
    expect(needsRotation(current, ring)).toBe(false);
    expect(reencrypt(current, ring, "conn-1")).toBe(current);
    expect(() => reencrypt(current, ring, "conn-2")).toThrow(DecryptionError);
  });

  it("names a missing key and says to add it back", () => {
    const envelope = encryptSecret("x", undefined, parseKeyring(k1));
    const error = thrownBy(() => decryptSecret(envelope, undefined, parseKeyring(k2)));
    expect(error).toBeInstanceOf(UnknownKeyError);
    expect((error as UnknownKeyError).keyId).toBe("k1");
    expect(error.message).toMatch(/key "k1", which is not in the keyring/);
    expect(error.message).toMatch(/Add key "k1" back to KEYWAY_ENCRYPTION_KEYS/);
  });
});

describe("parsing KEYWAY_ENCRYPTION_KEYS", () => {
  it("takes the first key as the newest and keeps all for decryption", () => {
    const keyring = parseKeyring(` ${k2} , ${k1} `);
    expect(keyring.current.id).toBe("k2");
    expect([...keyring.keys.keys()]).toEqual(["k2", "k1"]);
    expect(parseKeyring(`${"a".repeat(32)}:${base64Key()}`).current.id).toBe("a".repeat(32));
    expect(parseKeyring(`Key_2025-01:${randomBytes(32).toString("base64url")}`).current.id).toBe("Key_2025-01");
  });

  it.each([
    ["an empty value", "", /KEYWAY_ENCRYPTION_KEYS is empty/],
    ["an entry without an id", base64Key(), /entry 1 has no key id/],
    ["an empty id", `:${base64Key()}`, /key id of entry 1 must be 1–32 characters/],
    ["a space in the id", `bad id:${base64Key()}`, /key id of entry 1 must be/],
    ["a dot in the id", `k.1:${base64Key()}`, /key id of entry 1 must be/],
    ["a 33-character id", `${"a".repeat(33)}:${base64Key()}`, /key id of entry 1 must be/],
    ["a short key", `k1:${randomBytes(16).toString("base64")}`, /key "k1" is 16 bytes; it must be exactly 32/],
    ["a long key", `k1:${randomBytes(33).toString("base64")}`, /key "k1" is 33 bytes; it must be exactly 32/],
    ["a key that is not base64", `k1:${"!".repeat(44)}`, /key "k1" is not base64/],
    ["a duplicate id", `${k1},${k2},k1:${base64Key()}`, /key id "k1" is used by entries 1 and 3/],
    ["a stray comma", `${k1},,${k2}`, /entry 2 is empty/],
  ])("refuses %s", (_case, spec, message) => {
    const error = thrownBy(() => parseKeyring(spec));
    expect(error).toBeInstanceOf(KeyringError);
    expect(error.message).toMatch(message);
  });

  it("never quotes key material in its errors", () => {
    const material = randomBytes(20).toString("base64");
    for (const spec of [`k1:${material}`, `bad id:${material}`, material, `${k1},k1:${material}`]) {
      const error = thrownBy(() => parseKeyring(spec));
      expect(error.message).not.toContain(material);
      expect(error.message).not.toContain(k1.slice(3));
    }
  });

  it("holds keys that do not print their bytes", () => {
    const bytes = k1.slice(3);
    expect(JSON.stringify(ring)).not.toContain(bytes);
    expect(String(ring.current.key)).not.toContain(bytes);
    expect(ring.current.key.export().toString("base64")).toBe(bytes);
  });
});

describe("loading the keyring", () => {
  const dataDirs: string[] = [];
  const newDataDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), "keyway-crypto-"));
    dataDirs.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    resetKeyringForTests();
    vi.unstubAllEnvs();
  });

  it("uses KEYWAY_ENCRYPTION_KEYS when set, in any environment", () => {
    const dataDir = newDataDir();
    const warnings: string[] = [];
    const keyring = loadKeyring({ env: { NODE_ENV: "production", KEYWAY_ENCRYPTION_KEYS: `${k2},${k1}` }, dataDir, warn: (m) => warnings.push(m) });
    expect(keyring.current.id).toBe("k2");
    expect(warnings).toEqual([]);
    expect(() => readFileSync(path.join(dataDir, "encryption-key"))).toThrow(/ENOENT/);
  });

  it("generates a development key once, private to the owner, and reuses it", () => {
    const dataDir = path.join(newDataDir(), "not-yet-created");
    const warnings: string[] = [];
    const load = () => loadKeyring({ env: { NODE_ENV: "development" }, dataDir, warn: (m) => warnings.push(m) });

    const first = load();
    const file = path.join(dataDir, "encryption-key");
    const content = readFileSync(file, "utf8");
    expect(content).toMatch(/^dev:[A-Za-z0-9+/]{43}=\n$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.current.id).toBe("dev");

    const second = load();
    expect(readFileSync(file, "utf8")).toBe(content);
    expect(second.current.key.equals(first.current.key)).toBe(true);
    expect(decryptSecret(encryptSecret("kept", "c", first), "c", second)).toBe("kept");

    expect(warnings[0]).toMatch(/KEYWAY_ENCRYPTION_KEYS is not set; secrets are encrypted with a development key kept in .*encryption-key/);
    expect(warnings[0]).toMatch(/Set KEYWAY_ENCRYPTION_KEYS in production/);
    expect(warnings[0]).not.toContain(content.trim().slice(4));
  });

  it("reads a development key another process wrote first", () => {
    const dataDir = newDataDir();
    const existing = `dev:${base64Key()}`;
    writeFileSync(path.join(dataDir, "encryption-key"), `${existing}\n`, { mode: 0o600 });
    const keyring = loadKeyring({ env: { NODE_ENV: "test" }, dataDir, warn: () => {} });
    expect(keyring.current.key.equals(parseKeyring(existing).current.key)).toBe(true);
  });

  it("names the development key file when it is damaged", () => {
    const dataDir = newDataDir();
    writeFileSync(path.join(dataDir, "encryption-key"), "dev:tooshort\n");
    expect(() => loadKeyring({ env: { NODE_ENV: "development" }, dataDir, warn: () => {} })).toThrow(/encryption-key: key "dev" is 6 bytes/);
  });

  it("refuses to run in production without a key, and says how to make one", () => {
    const dataDir = newDataDir();
    for (const KEYWAY_ENCRYPTION_KEYS of [undefined, "", "  "]) {
      const error = thrownBy(() => loadKeyring({ env: { NODE_ENV: "production", KEYWAY_ENCRYPTION_KEYS }, dataDir, warn: () => {} }));
      expect(error).toBeInstanceOf(KeyringError);
      expect(error.message).toMatch(/KEYWAY_ENCRYPTION_KEYS is not set and NODE_ENV is production: refusing to run/);
      expect(error.message).toContain("openssl rand -base64 32");
      expect(error.message).toContain('"<key id>:<base64>"');
    }
    expect(() => readFileSync(path.join(dataDir, "encryption-key"))).toThrow(/ENOENT/);
  });

  it("loads the configured keyring from KEYWAY_ENCRYPTION_KEYS once, until reset", () => {
    vi.stubEnv("KEYWAY_ENCRYPTION_KEYS", `${k2},${k1}`);
    const first = configuredKeyring();
    expect(first.current.id).toBe("k2");
    expect(decryptSecret(encryptSecret("configured", "c"), "c", parseKeyring(k2))).toBe("configured");
    expect(configuredKeyring()).toBe(first);
    resetKeyringForTests();
    expect(configuredKeyring()).not.toBe(first);
  });
});

describe("lastFour", () => {
  it("shows the last four characters of secrets of 12 characters or more", () => {
    expect(lastFour("sk_live_abcd1234")).toBe("1234");
    expect(lastFour("123456789012")).toBe("9012");
    expect(lastFour("ünïcødé-🔑🔑🔑🔑")).toBe("🔑🔑🔑🔑");
  });

  it("shows nothing of shorter secrets", () => {
    expect(lastFour("12345678901")).toBeNull();
    expect(lastFour("")).toBeNull();
    expect(lastFour("🔑".repeat(11))).toBeNull();
  });
});
