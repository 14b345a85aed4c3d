import { EventEmitter } from "node:events";

/**
 * What cancels an outbound request: an AbortSignal, or a Cancellation. undici
 * and the agent tunnel (lib/agents/tunnel.ts) use only this much of either.
 */
export interface CancelSignal {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/**
 * A cancel signal for the proxy, which makes one per proxied request: an
 * AbortController is an EventTarget, whose construction and listeners cost
 * several times an EventEmitter's, and undici takes either.
 */
export class Cancellation extends EventEmitter implements CancelSignal {
  aborted = false;

  cancel(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit("abort");
  }

  addEventListener(type: "abort", listener: () => void): void {
    this.once(type, listener);
  }

  removeEventListener(type: "abort", listener: () => void): void {
    this.off(type, listener);
  }
}
