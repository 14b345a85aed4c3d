import { Readable } from "node:stream";
import { db } from "../db";
import { OutboundError, type Tunnel, type TunnelRequest, type TunnelResponse } from "../outbound";
import { explainFailure, formatDuration } from "../outbound/errors";
import { awaitFrames, localSession, newExchangeId, sendToAgent, stopAwaiting, type Session } from "./hub";
import { ACK_EVERY_BYTES, headerObject, headerPairs, WINDOW_BYTES, type ErrorFrame, type Frame } from "./frames";
import { agentPresence } from "./presence";
import { instanceId } from "./relay";

// A private-network connection's way out (lib/outbound's Tunnel): one request
// becomes an exchange of frames with the connection's agent, wherever its
// session is. An agent that is not connected fails the request at once, with
// its name and since when; one that goes away mid-request fails it as soon as
// its session ends, or at the time-out when the instance holding it dies.

/** Request bodies go to the agent in pieces of this size. */
const BODY_PIECE_BYTES = 64 * 1024;

type Route = { session: Session } | { instance: string; agentId: string };

function agentError(message: string): OutboundError {
  return new OutboundError("agent", message);
}

function formatSince(date: Date): string {
  return `${date.toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC")}`;
}

/** Where the agent's session is, or why there is none. */
async function routeTo(agentId: string): Promise<{ route: Route; agentName: string }> {
  const session = localSession(agentId);
  if (session) return { route: { session }, agentName: session.agentName };
  const row = await db.agent.findUnique({
    where: { id: agentId },
    select: { name: true, revokedAt: true, instanceId: true, sessionId: true, connectedAt: true, lastSeenAt: true, disconnectedAt: true },
  });
  if (!row) throw agentError("The connection's agent no longer exists. Choose another agent in the connection's settings.");
  const presence = agentPresence(row);
  switch (presence.state) {
    case "revoked":
      throw agentError(`Agent “${row.name}” was revoked on ${formatSince(presence.since)}. Choose another agent in the connection's settings.`);
    case "never-connected":
      throw agentError(`Agent “${row.name}” has never connected to Keyway. Start it inside the network with the command shown when it was registered.`);
    case "offline":
      throw agentError(`Agent “${row.name}” is offline since ${formatSince(presence.since)}.`);
    case "online":
      // Online on this very instance but without a session here: it left a moment ago.
      if (row.instanceId === instanceId()) throw agentError(`Agent “${row.name}” is offline since just now.`);
      return { route: { instance: row.instanceId!, agentId }, agentName: row.name };
  }
}

/** The agent's own failure, in the words lib/outbound uses for the same failure in Keyway's own requests. */
function failureOf(frame: ErrorFrame, request: TunnelRequest, agentName: string): OutboundError {
  const via = `agent “${agentName}”`;
  if (frame.code === "blocked") return new OutboundError("blocked", `${via} refused: ${frame.message}`);
  if (frame.code !== "failed") return agentError(`${via}: ${frame.message}`);
  let cause: Error | undefined;
  for (const link of [...(frame.chain ?? [])].reverse()) {
    const error = new Error(String(link.message ?? ""), cause ? { cause } : undefined) as Error & { code?: string };
    if (link.name) error.name = String(link.name);
    if (link.code) error.code = String(link.code);
    cause = error;
  }
  const explained = explainFailure(cause ?? new Error(frame.message), {
    host: request.origin.host,
    https: request.origin.protocol === "https:",
    timeoutMs: request.timeoutMs,
    timedOut: Boolean(frame.timedOut),
    sentClientCertificate: Boolean(request.tls?.cert),
    handshakeCompleted: Boolean(frame.handshakeCompleted),
    answered: Boolean(frame.answered),
  });
  return new OutboundError(explained.kind, `Through ${via}: ${explained.message.replace("Keyway's network", "the agent's network")}`, explained.tlsReason);
}

/**
 * The response body as the agent sends it. Bytes are acknowledged once the
 * reader has taken them (in ACK_EVERY_BYTES pieces), which lets the agent send
 * more; bytes waiting in a full buffer are acknowledged when the reader comes
 * back for more.
 */
class AgentBody extends Readable {
  private taken = 0;
  private waiting = 0;
  constructor(
    private readonly onAbandoned: () => void,
    private readonly acknowledge: (bytes: number) => void,
    private readonly onReaderBack: () => void,
  ) {
    super({ highWaterMark: 256 * 1024 });
  }
  deliver(data: Buffer): void {
    if (this.push(data)) this.took(data.length);
    else this.waiting += data.length;
  }
  private took(bytes: number): void {
    this.taken += bytes;
    if (this.taken < ACK_EVERY_BYTES) return;
    this.acknowledge(this.taken);
    this.taken = 0;
  }
  override _read(): void {
    if (this.waiting === 0) return;
    const bytes = this.waiting;
    this.waiting = 0;
    this.took(bytes);
    this.onReaderBack();
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.onAbandoned();
    callback(error);
  }
  /** undici's BodyReadable.dump(): read and drop the rest. */
  async dump(): Promise<void> {
    this.resume();
    if (this.readableEnded || this.destroyed) return;
    await new Promise<void>((resolve) => {
      this.once("end", resolve);
      this.once("close", resolve);
      this.once("error", () => resolve());
    });
  }
}

/** Request body bytes sent to the agent that it has not acknowledged yet, and who waits for them to shrink. */
type Window = { inFlight: number; wake?: () => void };

async function sendBody(route: Route, id: string, body: TunnelRequest["body"], window: Window, abandoned: () => boolean): Promise<void> {
  if (body === null) return;
  const pieces: AsyncIterable<Buffer | string> | (Buffer | string)[] = typeof body === "string" || Buffer.isBuffer(body) ? [body] : (body as AsyncIterable<Buffer | string>);
  for await (const piece of pieces) {
    const bytes = typeof piece === "string" ? Buffer.from(piece, "utf8") : piece;
    for (let offset = 0; offset < bytes.length; offset += BODY_PIECE_BYTES) {
      while (window.inFlight >= WINDOW_BYTES && !abandoned()) await new Promise<void>((resolve) => (window.wake = resolve));
      if (abandoned()) return;
      const slice = bytes.subarray(offset, offset + BODY_PIECE_BYTES);
      window.inFlight += slice.length;
      sendToAgent(route, { t: "data", id }, slice);
    }
  }
  if (!abandoned()) sendToAgent(route, { t: "end", id });
}

async function exchange(agentId: string, request: TunnelRequest): Promise<TunnelResponse> {
  const { route, agentName } = await routeTo(agentId);
  if ("session" in route && route.session.ws.readyState !== route.session.ws.OPEN) throw agentError(`Agent “${agentName}” is offline since just now.`);
  const id = newExchangeId();
  const via = `agent “${agentName}”`;
  const url = `${request.origin.origin}${request.path}`;
  const host = request.origin.host;

  return new Promise<TunnelResponse>((resolve, reject) => {
    let body: AgentBody | undefined;
    let finished = false;
    const window: Window = { inFlight: 0 };
    let timer: ReturnType<typeof setTimeout> | undefined;

    const finish = (error?: OutboundError) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      window.wake?.();
      stopAwaiting(id);
      request.signal?.removeEventListener("abort", onAbort);
      if (!error) return;
      sendToAgent(route, { t: "cancel", id });
      if (body) body.destroy(error);
      else reject(error);
    };
    // Waiting for the head, then for each next piece of the body.
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(
        () => finish(new OutboundError("timeout", body ? `${host} (through ${via}) stopped sending the response for ${formatDuration(request.timeoutMs)}; the request was stopped.` : `${host} did not answer through ${via} within ${formatDuration(request.timeoutMs)}; the request was stopped.`)),
        request.timeoutMs,
      );
    };
    const onAbort = () => finish(new OutboundError("timeout", `The request to ${host} through ${via} was stopped before it finished.`));

    awaitFrames(id, {
      onFrame(frame: Frame, data: Buffer) {
        if (finished) return;
        if (frame.t === "head" && !body) {
          body = new AgentBody(
            () => {
              if (!finished) finish(new OutboundError("reset", "The response was abandoned."));
            },
            (bytes) => {
              if (!finished) sendToAgent(route, { t: "ack", id, bytes });
            },
            // The reader took bytes: from now on a silence is the agent's again.
            () => {
              if (!finished) arm();
            },
          );
          arm();
          resolve({ statusCode: frame.status, headers: headerObject(frame.headers), body });
        } else if (frame.t === "data" && body) {
          arm();
          body.deliver(data);
          // A full buffer waits on the reader, not on the agent: no time-out until the reader takes some.
          if (body.readableLength >= body.readableHighWaterMark) clearTimeout(timer);
        } else if (frame.t === "ack") {
          window.inFlight = Math.max(0, window.inFlight - frame.bytes);
          window.wake?.();
        } else if (frame.t === "end" && body) {
          finish();
          body.push(null);
        } else if (frame.t === "error") {
          finish(failureOf(frame, request, agentName));
        }
      },
      onLost(reason: string) {
        finish(agentError(`Agent “${agentName}” could not finish the request to ${host}: ${reason}.`));
      },
    });
    if (request.signal?.aborted) return onAbort();
    request.signal?.addEventListener("abort", onAbort, { once: true });
    arm();

    const hasBody = request.body !== null && !(typeof request.body === "string" && request.body === "") && !(Buffer.isBuffer(request.body) && request.body.length === 0);
    const headers = headerPairs(request.headers);
    sendToAgent(route, { t: "open", id, method: request.method, url, headers, tls: request.tls, timeoutMs: request.timeoutMs, hasBody });
    if (hasBody) {
      sendBody(route, id, request.body, window, () => finished).catch(() => finish(new OutboundError("reset", `Reading the request body for ${host} failed.`)));
    }
  });
}

const tunnels = new Map<string, Tunnel>();

/** How a connection's requests leave Keyway: through its agent when it is in a private network, else directly (undefined). */
export function connectionTunnel(connection: { agentId: string | null }): Tunnel | undefined {
  const { agentId } = connection;
  if (!agentId) return undefined;
  let tunnel = tunnels.get(agentId);
  if (!tunnel) {
    tunnel = { label: "the connection's agent", send: (request) => exchange(agentId, request) };
    tunnels.set(agentId, tunnel);
  }
  return tunnel;
}
