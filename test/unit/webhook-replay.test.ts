import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { curlCommand, rawBodyOf, replayHeaders, shellQuote } from "@/lib/webhooks/replay";

// "Copy as curl": every value reaches curl literally, whatever quotes, $() or
// backticks it holds; a binary body goes through base64; hop and credential
// headers stay behind.

const NASTY = `it's $(touch /tmp/pwned) \`id\` "q" \\ $HOME\nsecond line; rm -rf ~ #`;

describe("copy as curl", () => {
  it("quotes any value so that the shell hands it over unchanged", () => {
    expect(execFileSync("sh", ["-c", `printf %s ${shellQuote(NASTY)}`]).toString("utf8")).toBe(NASTY);
  });

  it("builds a command whose arguments are the URL, the replayed headers and the exact body", () => {
    const command = curlCommand("https://example.test/in?a=1&b='2'", { "Content-Type": "application/json", host: "keyway.test", "content-length": "9", authorization: "[redacted]", "x-forwarded-for": "1.2.3.4", "x-note": NASTY }, { encoding: "utf8", data: NASTY });
    // Each line's arguments as the shell splits them, with curl replaced by printing them.
    const args = execFileSync("sh", ["-c", command.replace(/^curl /, "printf '<%s>\\n' ")]).toString("utf8");
    expect(args).toBe(["-X", "POST", "https://example.test/in?a=1&b='2'", "-H", "content-type: application/json", "-H", `x-note: ${NASTY}`, "--data-binary", NASTY].map((a) => `<${a}>\n`).join(""));
    expect(replayHeaders({ Host: "x", Cookie: "[redacted]", "X-Keyway-Client-Ip": "::1", "Stripe-Signature": "t=1,v1=ab" })).toEqual([["stripe-signature", "t=1,v1=ab"]]);
  });

  it("sends a binary body through base64", () => {
    const bytes = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff, 0x27]);
    const raw = rawBodyOf(bytes);
    expect(raw.encoding).toBe("base64");
    const command = curlCommand("https://example.test/in", {}, raw);
    // The piped part, with curl's own reading of stdin replaced by a hex dump.
    const piped = command.slice(0, command.indexOf("| curl"));
    expect(execFileSync("sh", ["-c", `${piped}| od -An -tx1`]).toString("utf8").replace(/\s+/g, " ").trim()).toBe("89 50 4e 47 00 ff 27");
  });
});
