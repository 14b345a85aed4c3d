#!/usr/bin/env node
// Keyway's on-premise agent. It runs inside a team's private network, keeps
// one outbound WebSocket to Keyway (through HTTPS_PROXY when that is set),
// and makes the HTTP requests of the team's private-network connections on
// Keyway's behalf, to the hosts its allow list names and no others.
//
//   KEYWAY_AGENT_TOKEN=kwa_… node keyway-agent.mjs --url https://keyway.example.com
//
// Keyway serves this file, bundled with its one dependency (undici), at
// /api/agents/script, so the machine needs Node.js 20 or later and nothing else.
// Frames on the WebSocket: a 4-byte big-endian length, that much JSON, then
// raw body bytes (lib/agents/frames.ts in Keyway describes each frame).

import { randomUUID, createHash } from "node:crypto";
import { lookup as dnsLookup } from "node:dns";
import { realpathSync } from "node:fs";
import { BlockList, isIP } from "node:net";
import { hostname as osHostname } from "node:os";
import { PassThrough } from "node:stream";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Agent, EnvHttpProxyAgent, WebSocket, buildConnector, fetch, request } from "undici";

export const AGENT_VERSION = "1.0.0";

const HELP = `Keyway agent ${AGENT_VERSION}: carries the requests of private-network connections.

Usage: KEYWAY_AGENT_TOKEN=kwa_… node keyway-agent.mjs --url <Keyway URL> [options]

  --url <url>          Keyway's address, as your browser reaches it (KEYWAY_URL)
  --token <token>      the agent's token (KEYWAY_AGENT_TOKEN; prefer the variable:
                       command-line arguments are visible to other users)
  --allow <list>       comma-separated CIDR ranges, addresses and host names
                       (*.example.com for subdomains) it may reach
                       (KEYWAY_AGENT_ALLOW; default: the private ranges
                       10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7)
  --concurrency <n>    requests carried at once (KEYWAY_AGENT_CONCURRENCY; default 64)
  --help               this text

It connects out to Keyway only: HTTPS_PROXY / HTTP_PROXY / NO_PROXY are
honoured for that connection. Set NODE_EXTRA_CA_CERTS if Keyway's certificate
comes from a private CA.`;

const DEFAULT_ALLOW = "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7";
const BODY_PIECE_BYTES = 64 * 1024;
/** Keyway answers each ping; without an answer for this long the connection is taken for dead. */
const PING_EVERY_MS = 10_000;
const DEAD_AFTER_MS = 25_000;
const MAX_BACKOFF_MS = 30_000;
/** Stop reading an upstream body while this much waits to go out on the WebSocket. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/**
 * Body bytes of one exchange either side may send before the other says it
 * has passed them on ("ack" frames): a slow reader at one end holds back the
 * sender at the other instead of filling memory in between.
 */
const WINDOW_BYTES = 1024 * 1024;
/** Acknowledgements go in pieces of this much, so a small body costs no ack frame at all. */
const ACK_EVERY_BYTES = 256 * 1024;

function log(line) {
  console.log(`${new Date().toISOString()} ${line}`);
}

function fail(message) {
  console.error(`keyway-agent: ${message}`);
  process.exit(2);
}

// ---------------------------------------------------------------- settings

function readSettings(argv, env) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { url: { type: "string" }, token: { type: "string" }, allow: { type: "string" }, concurrency: { type: "string" }, help: { type: "boolean" } },
      strict: true,
    }).values;
  } catch (error) {
    fail(`${error.message}\n\n${HELP}`);
  }
  if (parsed.help) {
    console.log(HELP);
    process.exit(0);
  }
  const url = parsed.url ?? env.KEYWAY_URL;
  const token = parsed.token ?? env.KEYWAY_AGENT_TOKEN;
  if (!url) fail(`Keyway's URL is missing: --url https://keyway.example.com (or KEYWAY_URL).\n\n${HELP}`);
  if (!token) fail("The agent's token is missing: set KEYWAY_AGENT_TOKEN (or --token) to the token Keyway showed when the agent was registered.");
  if (!/^kwa_[A-Za-z0-9_-]{43}$/.test(token)) fail("That does not look like an agent token (kwa_ followed by 43 characters).");
  let base;
  try {
    base = new URL(url);
  } catch {
    fail(`--url is not a URL: ${url}`);
  }
  if (base.protocol !== "https:" && base.protocol !== "http:") fail("--url must start with https:// (or http://).");
  const concurrency = Number(parsed.concurrency ?? env.KEYWAY_AGENT_CONCURRENCY ?? 64);
  if (!Number.isInteger(concurrency) || concurrency < 1) fail("--concurrency must be a whole number of at least 1.");
  const allow = parseAllowList(parsed.allow ?? env.KEYWAY_AGENT_ALLOW ?? DEFAULT_ALLOW);
  return { base: base.href.replace(/\/+$/, ""), token, allow, concurrency };
}

/** "10.0.0.0/8, 192.168.1.20, api.internal, *.corp.example" → what the agent may reach. */
export function parseAllowList(text) {
  const ranges = new BlockList();
  const names = new Set();
  const suffixes = [];
  const entries = text.split(",").map((entry) => entry.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, bits] = entry.split("/");
    const family = isIP(address);
    if (family) {
      const type = family === 6 ? "ipv6" : "ipv4";
      const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) fail(`--allow: ${entry} is not a valid range.`);
      ranges.addSubnet(address, prefix, type);
    } else if (/^\*\.[a-z0-9.-]+$/i.test(entry)) {
      suffixes.push(entry.slice(1).toLowerCase());
    } else if (/^[a-z0-9.-]+$/i.test(entry) && bits === undefined) {
      names.add(entry.toLowerCase());
    } else {
      fail(`--allow: ${entry} is neither an address, a CIDR range nor a host name.`);
    }
  }
  return { ranges, names, suffixes, text: entries.join(", ") };
}

export function nameAllowed(allow, host) {
  const name = host.toLowerCase();
  return allow.names.has(name) || allow.suffixes.some((suffix) => name.endsWith(suffix));
}

export function addressAllowed(allow, address) {
  const family = isIP(address);
  return family !== 0 && allow.ranges.check(address, family === 6 ? "ipv6" : "ipv4");
}

class Blocked extends Error {
  constructor(message) {
    super(message);
    this.code = "KEYWAY_AGENT_BLOCKED";
  }
}

function blocked(allow, host, address) {
  return new Blocked(`${host}${address && address !== host ? ` (${address})` : ""} is not in this agent's allow list (${allow.text}). Start the agent with --allow to add it.`);
}

/** A resolver for undici's sockets: every address a name resolves to must be allowed, and the socket goes to the one checked. */
function guardedLookup(allow) {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error);
      if (!nameAllowed(allow, hostname)) {
        const refused = addresses.find((entry) => !addressAllowed(allow, entry.address));
        if (refused) return callback(blocked(allow, hostname, refused.address));
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

// ---------------------------------------------------------------- frames

function encodeFrame(frame, data) {
  const json = Buffer.from(JSON.stringify(frame), "utf8");
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32BE(json.length, 0);
  return data ? Buffer.concat([length, json, data]) : Buffer.concat([length, json]);
}

function decodeFrame(message) {
  const length = message.readUInt32BE(0);
  return { frame: JSON.parse(message.subarray(4, 4 + length).toString("utf8")), data: message.subarray(4 + length) };
}

function errorChain(error) {
  const chain = [];
  let current = error;
  while (current instanceof Error && chain.length < 8) {
    chain.push({ name: current.name, code: typeof current.code === "string" ? current.code : undefined, message: current.message });
    current = current.cause;
  }
  return chain;
}

// ---------------------------------------------------------------- requests

export class RequestRunner {
  constructor(settings, send, bufferedAmount) {
    this.settings = settings;
    this.send = send;
    this.bufferedAmount = bufferedAmount;
    this.exchanges = new Map();
    this.dispatchers = new Map();
    // Per "host:port", what TLS sockets said that undici's errors leave out: under TLS 1.3 a server
    // refuses a client certificate only after the handshake, and undici reports "other side closed".
    this.tlsNotes = new Map();
  }

  tlsNote(key) {
    const note = this.tlsNotes.get(key);
    return note && Date.now() - note.at < 5_000 ? note : undefined;
  }

  /** One pool of sockets per client certificate (or none), checked by the allow list. */
  dispatcherFor(tls) {
    const key = createHash("sha256").update(JSON.stringify([tls?.cert ?? "", tls?.key ?? "", tls?.passphrase ?? "", tls?.ca ?? ""])).digest("hex");
    let dispatcher = this.dispatchers.get(key);
    if (!dispatcher) {
      if (this.dispatchers.size >= 32) {
        for (const old of this.dispatchers.values()) void old.close().catch(() => {});
        this.dispatchers.clear();
      }
      const connector = buildConnector({ ...(tls ?? {}), lookup: guardedLookup(this.settings.allow) });
      dispatcher = new Agent({
        connect: (options, callback) =>
          connector(options, (error, socket) => {
            if (socket && options.protocol === "https:") {
              const key = `${options.hostname}:${options.port || 443}`;
              this.tlsNotes.set(key, { at: Date.now(), handshakeCompleted: true });
              socket.prependListener("error", (socketError) => {
                if (/^ERR_(SSL|TLS)_/.test(socketError.code ?? "")) this.tlsNotes.set(key, { at: Date.now(), handshakeCompleted: true, error: socketError });
              });
            }
            callback(error, socket);
          }),
        keepAliveTimeout: 10_000,
      });
      this.dispatchers.set(key, dispatcher);
    }
    return dispatcher;
  }

  onFrame(frame, data) {
    const exchange = this.exchanges.get(frame.id);
    if (frame.t === "open") return void this.open(frame);
    if (!exchange) return;
    if (frame.t === "data" && exchange.body) {
      // Acknowledged once the upstream request has taken the bytes.
      if (exchange.body.write(data)) this.took(frame.id, exchange, data.length);
      else {
        if (exchange.waiting === 0) {
          exchange.body.once("drain", () => {
            const bytes = exchange.waiting;
            exchange.waiting = 0;
            this.took(frame.id, exchange, bytes);
          });
        }
        exchange.waiting += data.length;
      }
    } else if (frame.t === "ack") {
      exchange.inFlight = Math.max(0, exchange.inFlight - (Number(frame.bytes) || 0));
      exchange.wake?.();
    } else if (frame.t === "end") exchange.body?.end();
    else if (frame.t === "cancel") {
      exchange.cancelled = true;
      exchange.wake?.();
      exchange.controller.abort();
      this.exchanges.delete(frame.id);
    }
  }

  took(id, exchange, bytes) {
    exchange.taken += bytes;
    if (exchange.taken < ACK_EVERY_BYTES) return;
    this.send(encodeFrame({ t: "ack", id, bytes: exchange.taken }));
    exchange.taken = 0;
  }

  refuse(id, code, message, extra = {}) {
    this.send(encodeFrame({ t: "error", id, code, message, ...extra }));
  }

  async open(frame) {
    const started = performance.now();
    const { id } = frame;
    let url;
    try {
      url = new URL(frame.url);
    } catch {
      return this.refuse(id, "invalid", "The request's URL could not be read.");
    }
    const where = `${frame.method} ${url.origin}${url.pathname}`;
    if (this.exchanges.size >= this.settings.concurrency) {
      log(`${where} → refused: already carrying ${this.settings.concurrency} requests`);
      return this.refuse(id, "busy", `The agent is already carrying ${this.settings.concurrency} requests; try again in a moment.`);
    }
    const host = url.hostname.replace(/^\[|\]$/g, "");
    if (isIP(host) && !addressAllowed(this.settings.allow, host)) {
      const error = blocked(this.settings.allow, url.host);
      log(`${where} → refused: not in the allow list`);
      return this.refuse(id, "blocked", error.message);
    }
    const exchange = {
      controller: new AbortController(),
      body: frame.hasBody ? new PassThrough({ highWaterMark: 256 * 1024 }) : null,
      cancelled: false,
      /** Request body bytes taken by the upstream request but not acknowledged yet, and bytes still waiting in its buffer. */
      taken: 0,
      waiting: 0,
      /** Response bytes sent that Keyway has not acknowledged yet. */
      inFlight: 0,
      wake: undefined,
    };
    this.exchanges.set(id, exchange);
    let answered = false;
    try {
      const response = await request(url, {
        method: frame.method,
        headers: frame.headers.flat(),
        body: exchange.body ?? undefined,
        dispatcher: this.dispatcherFor(frame.tls),
        signal: exchange.controller.signal,
        headersTimeout: frame.timeoutMs,
        bodyTimeout: frame.timeoutMs,
      });
      answered = true;
      const headers = [];
      for (const [name, value] of Object.entries(response.headers)) {
        if (value === undefined) continue;
        for (const one of [value].flat()) headers.push([name, String(one)]);
      }
      this.send(encodeFrame({ t: "head", id, status: response.statusCode, headers }));
      let size = 0;
      for await (const chunk of response.body) {
        if (exchange.cancelled) break;
        size += chunk.length;
        for (let offset = 0; offset < chunk.length; offset += BODY_PIECE_BYTES) {
          const piece = chunk.subarray(offset, offset + BODY_PIECE_BYTES);
          exchange.inFlight += piece.length;
          this.send(encodeFrame({ t: "data", id }, piece));
        }
        while (exchange.inFlight >= WINDOW_BYTES && !exchange.cancelled) await new Promise((resolve) => (exchange.wake = resolve));
        exchange.wake = undefined;
        while (this.bufferedAmount() > MAX_BUFFERED_BYTES && !exchange.cancelled) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      if (exchange.cancelled) {
        response.body.destroy();
        log(`${where} → ${response.statusCode}, cancelled by Keyway after ${size} bytes`);
        return;
      }
      this.send(encodeFrame({ t: "end", id }));
      log(`${where} → ${response.statusCode} ${size} bytes ${Math.round(performance.now() - started)} ms`);
    } catch (error) {
      if (exchange.cancelled) {
        log(`${where} → cancelled by Keyway`);
        return;
      }
      const isBlocked = error?.code === "KEYWAY_AGENT_BLOCKED" || error?.cause?.code === "KEYWAY_AGENT_BLOCKED";
      if (isBlocked) {
        const reason = error.code === "KEYWAY_AGENT_BLOCKED" ? error : error.cause;
        log(`${where} → refused: not in the allow list`);
        this.refuse(id, "blocked", reason.message);
      } else {
        const chain = errorChain(error);
        const note = url.protocol === "https:" ? this.tlsNote(`${host}:${url.port || 443}`) : undefined;
        if (note?.error) chain.push(...errorChain(note.error));
        log(`${where} → failed: ${chain.map((link) => link.code || link.message).filter(Boolean).join(" / ")}`);
        this.refuse(id, "failed", chain[0]?.message ?? "The request failed.", {
          chain,
          answered,
          handshakeCompleted: Boolean(note?.handshakeCompleted),
          timedOut: chain.some((link) => /TIMEOUT/.test(link.code ?? "")),
        });
      }
    } finally {
      this.exchanges.delete(id);
    }
  }

  /** The WebSocket went away: nobody waits for these answers any more. */
  abandonAll() {
    for (const exchange of this.exchanges.values()) {
      exchange.cancelled = true;
      exchange.wake?.();
      exchange.controller.abort();
    }
    this.exchanges.clear();
  }
}

// ---------------------------------------------------------------- connection

async function probe(settings, dispatcher) {
  // A plain GET to the WebSocket's address: Keyway answers 426 for a good token and a JSON reason for a bad one,
  // which a failed WebSocket handshake would not tell.
  const response = await fetch(`${settings.base}/api/agents/connect`, {
    headers: { authorization: `Bearer ${settings.token}` },
    dispatcher,
    signal: AbortSignal.timeout(15_000),
  });
  const text = await response.text().catch(() => "");
  if (response.status === 401) {
    let message = "Keyway refused the agent's token.";
    try {
      message = JSON.parse(text).error.message;
    } catch {}
    fail(`${message} (HTTP 401). The agent stops here.`);
  }
  if (response.status !== 426) throw new Error(`${settings.base} does not look like Keyway's address (HTTP ${response.status} at /api/agents/connect)`);
}

function connectOnce(settings, dispatcher) {
  return new Promise((resolve) => {
    const wsUrl = `${settings.base.replace(/^http/, "ws")}/api/agents/connect`;
    const ws = new WebSocket(wsUrl, {
      dispatcher,
      headers: {
        authorization: `Bearer ${settings.token}`,
        "x-keyway-agent-version": AGENT_VERSION,
        "x-keyway-agent-host": osHostname(),
      },
    });
    ws.binaryType = "arraybuffer";
    const runner = new RequestRunner(
      settings,
      (message) => {
        if (ws.readyState === WebSocket.OPEN) ws.send(message);
      },
      () => ws.bufferedAmount,
    );
    let welcomed = false;
    let lastHeard = Date.now();
    const pinger = setInterval(() => {
      if (Date.now() - lastHeard > DEAD_AFTER_MS) {
        log("Keyway stopped answering; reconnecting.");
        ws.close();
        return;
      }
      if (ws.readyState === WebSocket.OPEN) ws.send(encodeFrame({ t: "ping", id: randomUUID() }));
    }, PING_EVERY_MS);
    ws.addEventListener("message", (event) => {
      lastHeard = Date.now();
      let decoded;
      try {
        decoded = decodeFrame(Buffer.from(event.data));
      } catch {
        return;
      }
      const { frame, data } = decoded;
      if (frame.t === "welcome") {
        welcomed = true;
        log(`Connected to ${settings.base} as agent “${frame.agent}” of team “${frame.team}”; allowed: ${settings.allow.text}.`);
      } else if (frame.t !== "pong") {
        runner.onFrame(frame, data);
      }
    });
    ws.addEventListener("close", (event) => {
      clearInterval(pinger);
      runner.abandonAll();
      resolve({ welcomed, code: event.code, reason: event.reason });
    });
    ws.addEventListener("error", () => {});
  });
}

async function main() {
  const settings = readSettings(process.argv.slice(2), process.env);
  // HTTPS_PROXY and friends apply to the connection to Keyway, never to the requests inside the network.
  const dispatcher = new EnvHttpProxyAgent();
  let backoffMs = 500;
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => {
      stopping = true;
      log("Stopping.");
      process.exit(0);
    });
  }
  log(`Keyway agent ${AGENT_VERSION} starting; connecting to ${settings.base}.`);
  const { protocol, hostname } = new URL(settings.base);
  if (protocol === "http:" && !["localhost", "127.0.0.1", "[::1]"].includes(hostname)) {
    log("Warning: Keyway's URL is http://, so the token and every request this agent carries cross the network unencrypted. Use https://.");
  }
  while (!stopping) {
    let outcome;
    try {
      await probe(settings, dispatcher);
      outcome = await connectOnce(settings, dispatcher);
    } catch (error) {
      outcome = { welcomed: false, reason: errorChain(error).map((link) => link.code || link.message).filter(Boolean).join(" / ") };
    }
    if (outcome.code === 4001) fail(`Keyway ended the connection: ${outcome.reason} The agent stops here.`);
    if (outcome.welcomed) backoffMs = 500;
    const waitMs = Math.round(backoffMs * (0.75 + Math.random() * 0.5));
    log(`${outcome.welcomed ? "Disconnected" : "Could not connect"}${outcome.reason ? ` (${outcome.reason})` : ""}; trying again in ${(waitMs / 1000).toFixed(1)} s.`);
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
  }
}

// Run when started as a program, not when imported (tests import parseAllowList).
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main().catch((error) => fail(error?.stack ?? String(error)));
}
