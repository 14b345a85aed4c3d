// The agent protocol's frames, as they travel in WebSocket binary messages
// (and between app instances, lib/agents/relay.ts): a 4-byte big-endian
// length, that many bytes of JSON, then the frame's raw data, if any.
// agent/keyway-agent.mjs reads and writes the same layout.

export type HeaderPairs = [string, string][];

export type AgentTls = { cert?: string; key?: string; passphrase?: string; ca?: string };

/** Keyway to agent. */
export type OpenFrame = { t: "open"; id: string; method: string; url: string; headers: HeaderPairs; tls?: AgentTls; timeoutMs: number; hasBody: boolean };
/** Agent to Keyway. */
export type HeadFrame = { t: "head"; id: string; status: number; headers: HeaderPairs };
/** Either way: a piece of the body (the bytes follow the JSON), its end, or the end of the exchange. */
export type DataFrame = { t: "data"; id: string };
export type EndFrame = { t: "end"; id: string };
export type CancelFrame = { t: "cancel"; id: string };
/**
 * Agent to Keyway: the request could not be made or finished. Code "blocked":
 * the agent's allow list refused the destination; "failed": the network or
 * TLS failed, described by the error chain so that Keyway can explain it as it
 * explains its own failures; anything else: the message says it all.
 */
export type ErrorFrame = {
  t: "error";
  id: string;
  code: string;
  message: string;
  chain?: { name?: string; code?: string; message?: string }[];
  answered?: boolean;
  handshakeCompleted?: boolean;
  timedOut?: boolean;
};
/**
 * Either way: the receiver has passed on this many body bytes of the
 * exchange. A sender keeps at most WINDOW_BYTES unacknowledged, so a slow
 * reader at one end holds back the sender at the other.
 */
export type AckFrame = { t: "ack"; id: string; bytes: number };
export const WINDOW_BYTES = 1024 * 1024;
/** Acknowledgements come in pieces of this much, so a small body costs no ack frame at all. */
export const ACK_EVERY_BYTES = 256 * 1024;
/** Keyway to agent, once connected: who it is in Keyway, for its log. */
export type WelcomeFrame = { t: "welcome"; agent: string; team: string };

/** Agent to Keyway and back: the agent's own check that the connection still carries. */
export type PingFrame = { t: "ping"; id: string };
export type PongFrame = { t: "pong"; id: string };

export type Frame = AckFrame | PingFrame | PongFrame | OpenFrame | HeadFrame | DataFrame | EndFrame | CancelFrame | ErrorFrame | WelcomeFrame;

export function encodeFrame(frame: Frame, data?: Buffer): Buffer {
  return encodeEnvelope(frame, data);
}

/** The layout without looking inside the JSON; lib/agents/hub.ts wraps frames the same way to relay them. */
export function decodeEnvelope<T>(message: Buffer): { header: T; data: Buffer } {
  if (message.length < 4) throw new Error("agent frame too short");
  const length = message.readUInt32BE(0);
  if (4 + length > message.length) throw new Error("agent frame cut short");
  return { header: JSON.parse(message.subarray(4, 4 + length).toString("utf8")) as T, data: message.subarray(4 + length) };
}

export function encodeEnvelope(header: unknown, data?: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32BE(json.length, 0);
  return data ? Buffer.concat([length, json, data]) : Buffer.concat([length, json]);
}

export function decodeFrame(message: Buffer): { frame: Frame; data: Buffer } {
  const { header: frame, data } = decodeEnvelope<Frame>(message);
  if (!frame || typeof frame !== "object" || typeof frame.t !== "string") throw new Error("agent frame without a type");
  return { frame, data };
}

/** Node's header object as name/value pairs, repeated headers kept apart. */
export function headerPairs(headers: Record<string, string | string[] | undefined>): HeaderPairs {
  const pairs: HeaderPairs = [];
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const one of [value].flat()) pairs.push([name, one]);
  }
  return pairs;
}

/** Pairs back into Node's header object (lower-case names; repeated headers as arrays). */
export function headerObject(pairs: HeaderPairs): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [rawName, value] of pairs) {
    const name = rawName.toLowerCase();
    const existing = headers[name];
    if (existing === undefined) headers[name] = value;
    else headers[name] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return headers;
}
