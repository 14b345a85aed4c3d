import fs from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";

// The log goes to standard output in batches (lib/log.ts): the proxy writes a
// line per request, and a system call per line cost more than the line.

type WriteCallback = (error: NodeJS.ErrnoException | null, written: number) => void;

function captureStdoutWrites() {
  const writes: string[] = [];
  const original = fs.write.bind(fs) as (...args: unknown[]) => void;
  vi.spyOn(fs, "write").mockImplementation(((fd: number, data: unknown, ...rest: unknown[]) => {
    if (fd !== 1) return original(fd, data, ...rest);
    const text = String(data);
    writes.push(text);
    process.nextTick(rest.at(-1) as WriteCallback, null, Buffer.byteLength(text));
  }) as unknown as typeof fs.write);
  return writes;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("log", () => {
  afterEach(() => vi.restoreAllMocks());

  it("writes lines logged one request at a time in a few batches, and none is lost", async () => {
    const writes = captureStdoutWrites();
    const { log } = await import("@/lib/log");
    for (let index = 0; index < 200; index++) {
      log.info({ index }, "batched line");
      await nextTurn(); // as requests arrive: each line on its own turn of the event loop
    }
    await vi.waitFor(() => expect(writes.join("").match(/batched line/g)).toHaveLength(200), { timeout: 5_000 });
    // 200 lines of about 60 bytes are three 4 KB batches; a write per line was 200.
    expect(writes.length).toBeLessThan(20);
  });

  it("writes a lone line within a moment, without waiting for a batch to fill", async () => {
    const writes = captureStdoutWrites();
    const { log, LOG_FLUSH_INTERVAL_MS } = await import("@/lib/log");
    log.info("a lone line");
    await vi.waitFor(() => expect(writes.join("")).toContain("a lone line"), { timeout: LOG_FLUSH_INTERVAL_MS * 5 });
  });
});
