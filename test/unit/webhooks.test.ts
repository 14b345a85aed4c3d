import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signBody, verifySignature } from "@/lib/webhooks/signature";
import { webhookSigningSchema } from "@/lib/webhooks/schemas";
import { describeBody } from "@/lib/webhooks/events";
import { fromAddress } from "../support/client-ip";
import { headersToStore, readBodyWithin, sourceAddress } from "@/lib/webhooks/receive";

const SECRET = "It's a Secret to Everybody";
const BODY = new TextEncoder().encode("Hello, World!");
// GitHub's documented example: this secret and body give this X-Hub-Signature-256.
const GITHUB_EXAMPLE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

describe("verifySignature", () => {
  const hex = { encoding: "hex", prefix: "sha256=" } as const;

  it("accepts GitHub's documented example and what signBody produces", () => {
    expect(verifySignature(SECRET, BODY, GITHUB_EXAMPLE, hex)).toBe(true);
    expect(signBody(SECRET, BODY, hex)).toBe(GITHUB_EXAMPLE);
    // Upper-case hex digits and an upper-case prefix are the same signature.
    expect(verifySignature(SECRET, BODY, GITHUB_EXAMPLE.toUpperCase(), hex)).toBe(true);
  });

  it("refuses another secret, another body, a missing value, the wrong prefix", () => {
    expect(verifySignature("another secret", BODY, GITHUB_EXAMPLE, hex)).toBe(false);
    expect(verifySignature(SECRET, new TextEncoder().encode("Hello, World?"), GITHUB_EXAMPLE, hex)).toBe(false);
    expect(verifySignature(SECRET, BODY, null, hex)).toBe(false);
    expect(verifySignature(SECRET, BODY, "", hex)).toBe(false);
    expect(verifySignature(SECRET, BODY, GITHUB_EXAMPLE.replace("sha256=", "sha1="), hex)).toBe(false);
    expect(verifySignature(SECRET, BODY, GITHUB_EXAMPLE.replace("sha256=", ""), hex)).toBe(false);
  });

  it("refuses values of the wrong length or alphabet without throwing", () => {
    for (const value of ["sha256=", "sha256=abc", "sha256=zz", `${GITHUB_EXAMPLE}00`, GITHUB_EXAMPLE.slice(0, -2), "sha256=" + "g".repeat(64)]) {
      expect(() => verifySignature(SECRET, BODY, value, hex)).not.toThrow();
      expect(verifySignature(SECRET, BODY, value, hex)).toBe(false);
    }
  });

  it("checks base64 digests, with or without a prefix", () => {
    const digest = createHmac("sha256", SECRET).update(BODY).digest("base64");
    expect(verifySignature(SECRET, BODY, digest, { encoding: "base64", prefix: "" })).toBe(true);
    expect(verifySignature(SECRET, BODY, `v1=${digest}`, { encoding: "base64", prefix: "v1=" })).toBe(true);
    expect(verifySignature(SECRET, BODY, digest, { encoding: "hex", prefix: "" })).toBe(false);
    expect(verifySignature(SECRET, BODY, digest.slice(0, -4), { encoding: "base64", prefix: "" })).toBe(false);
    expect(verifySignature(SECRET, BODY, "not base64 !", { encoding: "base64", prefix: "" })).toBe(false);
  });

  it("signs the raw bytes, not a decoded string", () => {
    const binary = new Uint8Array([0xff, 0xfe, 0x00, 0x80]);
    const signature = signBody(SECRET, binary, hex);
    expect(verifySignature(SECRET, binary, signature, hex)).toBe(true);
    expect(verifySignature(SECRET, new TextEncoder().encode(new TextDecoder().decode(binary)), signature, hex)).toBe(false);
  });
});

describe("the signing settings schema", () => {
  const base = { signatureHeader: "X-Hub-Signature-256", encoding: "hex", prefix: "sha256=" };

  it("keeps the secret as typed and allows an empty prefix", () => {
    const parsed = webhookSigningSchema.parse({ ...base, secret: " spaced secret ", prefix: "" });
    expect(parsed).toEqual({ secret: " spaced secret ", clearSecret: false, signatureHeader: "X-Hub-Signature-256", encoding: "hex", prefix: "", scheme: "custom", toleranceSeconds: 300 });
    expect(webhookSigningSchema.parse({ ...base, clearSecret: "on" }).clearSecret).toBe(true);
  });

  it("puts errors on the fields they concern", () => {
    const result = webhookSigningSchema.safeParse({ secret: "new", clearSecret: "on", signatureHeader: "X Sig:", encoding: "hex256", prefix: "sha 256" });
    expect(result.success).toBe(false);
    const paths = result.error!.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["signatureHeader", "encoding", "prefix"]));
    const both = webhookSigningSchema.safeParse({ ...base, secret: "new", clearSecret: "on" });
    expect(both.error?.issues.map((i) => i.path.join("."))).toEqual(["secret"]);
    expect(webhookSigningSchema.safeParse({ ...base, secret: "   " }).success).toBe(false);
  });
});

describe("bodies and headers", () => {
  it("shows JSON formatted, text as is, binary as a size", () => {
    expect(describeBody(new TextEncoder().encode('{"a":[1,2]}'))).toEqual({ kind: "json", text: '{\n  "a": [\n    1,\n    2\n  ]\n}', truncated: false });
    expect(describeBody(new TextEncoder().encode("a=1&b=2\n"))).toEqual({ kind: "text", text: "a=1&b=2\n", truncated: false });
    expect(describeBody(new Uint8Array([0x89, 0x50, 0x4e, 0x47]))).toEqual({ kind: "binary", size: 4 });
    expect(describeBody(new Uint8Array([0x41, 0x00, 0x42]))).toEqual({ kind: "binary", size: 3 });
    expect(describeBody(new Uint8Array(0))).toEqual({ kind: "empty" });
  });

  it("redacts credentials and keeps every other header the sender sent", () => {
    const stored = headersToStore(new Headers({ Authorization: "Bearer x", Cookie: "a=b", "Proxy-Authorization": "Basic y", "X-Event": "push" }));
    expect(stored).toEqual({ authorization: "[redacted]", cookie: "[redacted]", "proxy-authorization": "[redacted]", "x-event": "push" });
  });

  it("leaves out the page policy Keyway's own proxy.ts puts on every request", () => {
    const stored = headersToStore(new Headers({ "Content-Security-Policy": "script-src 'nonce-abc'", "X-Event": "push" }));
    expect(stored).toEqual({ "x-event": "push" });
  });

  it("leaves out what Next and server.ts add to a request: proxy.ts's security headers, the forwarding headers and the client address", () => {
    // As a receiver's route saw a real event (the screenshots showed them in an event's headers and its curl).
    const stored = headersToStore(
      new Headers({
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=()",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
        "X-Forwarded-Host": "keyway.example:443",
        "X-Forwarded-Port": "443",
        "X-Forwarded-Proto": "https",
        "X-Forwarded-For": "203.0.113.9",
        "X-Keyway-Client-Ip": "203.0.113.9",
        "X-Shop-Topic": "orders/paid",
        "Content-Type": "application/json",
      }),
    );
    expect(stored).toEqual({ "x-shop-topic": "orders/paid", "content-type": "application/json" });
  });

  it("shows an IPv4 client seen through an IPv6 socket as IPv4", () => {
    expect(sourceAddress(new Headers(fromAddress("::ffff:203.0.113.9")))).toBe("203.0.113.9");
    expect(sourceAddress(new Headers(fromAddress("2001:db8::1")))).toBe("2001:db8::1");
    expect(sourceAddress(new Headers())).toBe("unknown");
  });

  it("reads a body up to the limit and stops once over it", async () => {
    let pulls = 0;
    const stream = (chunks: number) =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          pulls += 1;
          if (pulls > chunks) return controller.close();
          controller.enqueue(new Uint8Array(10).fill(1));
        },
      });
    expect(await readBodyWithin(stream(3), 30)).toHaveLength(30);
    pulls = 0;
    expect(await readBodyWithin(stream(100), 30)).toBe("too_large");
    expect(pulls).toBeLessThan(10);
    expect(await readBodyWithin(null, 30)).toHaveLength(0);
  });
});
