import { createSecretKey, randomBytes, type KeyObject } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { config } from "../config";
import { KeyringError } from "./errors";

export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
const KEY_BYTES = 32;
// Standard base64 (what `openssl rand -base64 32` prints), base64url tolerated.
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const ENV_NAME = "KEYWAY_ENCRYPTION_KEYS";
const DEV_KEY_ID = "dev";
const DEV_KEY_FILE = "encryption-key";
const GENERATE_HINT = 'Generate a key with `openssl rand -base64 32` and write it as "<key id>:<base64>", e.g. k1:<output>';

// KeyObjects rather than Buffers: logging one by accident prints its size, not its bytes.
export type KeyringKey = { readonly id: string; readonly key: KeyObject };
export type Keyring = {
  /** The newest key: it encrypts. */
  readonly current: KeyringKey;
  /** Every key, newest first: any of them decrypts. */
  readonly keys: ReadonlyMap<string, KeyObject>;
};

/**
 * Parses "<key id>:<base64 of 32 bytes>" entries, comma-separated, newest first.
 * `source` names where the text came from, so the message points at what to fix.
 */
export function parseKeyring(spec: string, source: string = ENV_NAME): Keyring {
  const entries = spec.split(",").map((entry) => entry.trim());
  if (entries.length === 1 && entries[0] === "") throw new KeyringError(`${source} is empty. ${GENERATE_HINT}.`);

  const keys = new Map<string, KeyObject>();
  const positions = new Map<string, number>();
  entries.forEach((entry, index) => {
    const position = index + 1;
    const { id, key } = parseEntry(entry, position, source);
    const earlier = positions.get(id);
    if (earlier !== undefined) {
      throw new KeyringError(`${source}: key id "${id}" is used by entries ${earlier} and ${position}; every key needs its own id.`);
    }
    positions.set(id, position);
    keys.set(id, key);
  });

  const [id, key] = [...keys][0]!;
  return { current: { id, key }, keys };
}

// Messages name the entry by position and never quote it: an entry holds key material.
function parseEntry(entry: string, position: number, source: string): KeyringKey {
  if (entry === "") throw new KeyringError(`${source}: entry ${position} is empty (a stray comma?).`);
  const colon = entry.indexOf(":");
  if (colon === -1) {
    throw new KeyringError(`${source}: entry ${position} has no key id; each entry is "<key id>:<base64 of 32 bytes>".`);
  }
  const id = entry.slice(0, colon);
  if (!KEY_ID_PATTERN.test(id)) {
    throw new KeyringError(
      `${source}: the key id of entry ${position} must be 1–32 characters, each a letter, a digit, "_" or "-".`,
    );
  }
  const encoded = entry.slice(colon + 1);
  if (!BASE64.test(encoded)) throw new KeyringError(`${source}: key "${id}" is not base64. ${GENERATE_HINT}.`);
  const bytes = Buffer.from(encoded, "base64");
  if (bytes.length !== KEY_BYTES) {
    throw new KeyringError(`${source}: key "${id}" is ${bytes.length} bytes; it must be exactly ${KEY_BYTES}. ${GENERATE_HINT}.`);
  }
  const key = createSecretKey(bytes);
  bytes.fill(0);
  return { id, key };
}

export type KeyringEnv = { KEYWAY_ENCRYPTION_KEYS?: string; NODE_ENV?: string };

export type KeyringSource = {
  /** Defaults to the process configuration (lib/config.ts). */
  env?: KeyringEnv;
  /** Where the development key lives; defaults to .data/ under the working directory. */
  dataDir?: string;
  warn?: (message: string) => void;
};

/**
 * The keyring from KEYWAY_ENCRYPTION_KEYS. Without it, development gets a key
 * generated once into <dataDir>/encryption-key, and production refuses: secrets
 * sealed with a key that only one machine's disk holds are lost with that disk.
 */
export function loadKeyring(source: KeyringSource = {}): Keyring {
  const env = source.env ?? configuredEnv();
  const spec = env.KEYWAY_ENCRYPTION_KEYS?.trim();
  if (spec) return parseKeyring(spec);
  if (env.NODE_ENV === "production") {
    throw new KeyringError(
      `${ENV_NAME} is not set and NODE_ENV is production: refusing to run, because secrets would be encrypted ` +
        `with a key nobody keeps. ${GENERATE_HINT}, then set ${ENV_NAME} to it (comma-separated, newest first).`,
    );
  }
  return developmentKeyring(source.dataDir ?? path.join(process.cwd(), ".data"), source.warn ?? console.warn);
}

function configuredEnv(): KeyringEnv {
  const { KEYWAY_ENCRYPTION_KEYS, NODE_ENV } = config();
  return { KEYWAY_ENCRYPTION_KEYS, NODE_ENV };
}

function developmentKeyring(dataDir: string, warn: (message: string) => void): Keyring {
  const file = path.join(dataDir, DEV_KEY_FILE);
  const keyring = parseKeyring(readOrCreateDevelopmentKey(file), file);
  const shown = path.relative(process.cwd(), file) || file;
  warn(
    `Warning: ${ENV_NAME} is not set; secrets are encrypted with a development key kept in ${shown}.\n` +
      `         Set ${ENV_NAME} in production (the file's content is a valid entry for it).`,
  );
  return keyring;
}

/**
 * The development keyring entry ("dev:<base64>") kept in <dataDir>/encryption-key,
 * created on first use: `npm start` hands it to the server (which runs with
 * NODE_ENV=production) the way it hands over the development AUTH_SECRET.
 */
export function developmentKeyEntry(dataDir: string): string {
  return readOrCreateDevelopmentKey(path.join(dataDir, DEV_KEY_FILE));
}

// The file holds one keyring entry ("dev:<base64>"), so it can be pasted into
// KEYWAY_ENCRYPTION_KEYS as is to keep reading secrets written in development.
function readOrCreateDevelopmentKey(file: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    // "wx" fails when the file exists: of two processes starting at once, one
    // writes the key and both read that one, instead of each keeping its own.
    writeFileSync(file, `${DEV_KEY_ID}:${randomBytes(KEY_BYTES).toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  return readWrittenFile(file);
}

// The other process may have created the file but not yet written to it.
function readWrittenFile(file: string): string {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (let attempt = 0; ; attempt++) {
    const content = readFileSync(file, "utf8").trim();
    if (content !== "" || attempt === 20) return content;
    Atomics.wait(pause, 0, 0, 25);
  }
}

// On globalThis: Next's dev server re-evaluates modules, and the development
// warning should be printed once per process, not once per evaluation.
const cache = globalThis as unknown as { keywayKeyring?: Keyring };

/** The keyring of this process, loaded on first use. */
export function configuredKeyring(): Keyring {
  cache.keywayKeyring ??= loadKeyring();
  return cache.keywayKeyring;
}

/** Forgets the cached keyring, so the next use loads it again from the environment. */
export function resetKeyringForTests(): void {
  delete cache.keywayKeyring;
}
