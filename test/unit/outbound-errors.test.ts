import { describe, expect, it } from "vitest";
import { explainFailure, formatBytes, formatDuration, OutboundError, type FailureContext } from "@/lib/outbound/errors";

// The failures that real servers in test/integration/outbound.test.ts cannot
// all produce on demand (another TLS stack's alerts, DNS time-outs), mapped
// from the error codes Node and undici report.

const context: FailureContext = { host: "api.example.test:8443", https: true, timeoutMs: 15_000, timedOut: false, sentClientCertificate: false, handshakeCompleted: false, answered: false };
const coded = (code: string, message = `failure ${code}`) => Object.assign(new Error(message), { code });
const wrapped = (cause: Error) => Object.assign(new TypeError("fetch failed"), { cause });

describe("explainFailure", () => {
  it.each([
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "unknown-ca"],
    ["SELF_SIGNED_CERT_IN_CHAIN", "unknown-ca"],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "unknown-ca"],
    ["UNABLE_TO_GET_ISSUER_CERT_LOCALLY", "unknown-ca"],
    ["CERT_HAS_EXPIRED", "expired"],
    ["CERT_NOT_YET_VALID", "expired"],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "hostname-mismatch"],
    ["ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED", "client-certificate-required"],
    ["ERR_SSL_WRONG_VERSION_NUMBER", "not-tls"],
    ["ERR_SSL_NO_SHARED_CIPHER", "handshake"],
  ])("reads %s, even wrapped, as a TLS failure: %s", (code, reason) => {
    const explained = explainFailure(wrapped(coded(code)), context);
    expect(explained).toMatchObject({ kind: "tls", tlsReason: reason });
    expect(explained.message).toContain("api.example.test:8443");
  });

  it("tells a missing client certificate from a refused one by whether one was sent", () => {
    const handshakeFailure = coded("ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE", "ssl3_read_bytes:sslv3 alert handshake failure:SSL alert number 40");
    expect(explainFailure(handshakeFailure, context)).toMatchObject({ tlsReason: "client-certificate-required", message: expect.stringContaining("most likely") });
    expect(explainFailure(handshakeFailure, { ...context, sentClientCertificate: true })).toMatchObject({ tlsReason: "handshake" });

    const unknownCa = coded("ERR_SSL_TLSV1_ALERT_UNKNOWN_CA");
    expect(explainFailure(unknownCa, { ...context, sentClientCertificate: true })).toMatchObject({ tlsReason: "client-certificate-rejected" });
    expect(explainFailure(unknownCa, context)).toMatchObject({ tlsReason: "handshake", message: expect.stringContaining("ERR_SSL_TLSV1_ALERT_UNKNOWN_CA") });
  });

  it("uses the alert the socket saw when undici only says the other side closed", () => {
    const closed = coded("UND_ERR_SOCKET", "other side closed");
    const alert = coded("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED");
    expect(explainFailure(closed, { ...context, handshakeCompleted: true, socketError: alert })).toMatchObject({ tlsReason: "client-certificate-required" });
    expect(explainFailure(closed, { ...context, handshakeCompleted: true, sentClientCertificate: true })).toMatchObject({ tlsReason: "client-certificate-rejected" });
    expect(explainFailure(closed, { ...context, handshakeCompleted: true })).toMatchObject({ kind: "reset", message: "api.example.test:8443 closed the connection without answering." });
    expect(explainFailure(closed, { ...context, answered: true, sentClientCertificate: true })).toMatchObject({ kind: "reset", message: expect.stringContaining("before the whole response arrived") });
  });

  it.each([
    [coded("ENOTFOUND"), "dns", "The host api.example.test was not found (DNS)."],
    [coded("EAI_AGAIN"), "dns", "The host api.example.test was not found (DNS)."],
    [coded("ECONNREFUSED"), "refused", "The connection to api.example.test:8443 was refused: nothing is listening on that port."],
    [coded("EHOSTUNREACH"), "refused", "api.example.test:8443 cannot be reached from Keyway's network."],
    [coded("UND_ERR_CONNECT_TIMEOUT"), "timeout", "api.example.test:8443 did not answer within 15 seconds; the request was stopped."],
    [coded("ECONNRESET", "read ECONNRESET"), "reset", "api.example.test:8443 closed the connection without answering."],
    [coded("UND_ERR_INVALID_ARG", "invalid header value: Bearer s3cret"), "reset", "The request to api.example.test:8443 failed (UND_ERR_INVALID_ARG)."],
  ])("explains %s as %s in words", (error, kind, message) => {
    expect(explainFailure(wrapped(error), context)).toMatchObject({ kind, message });
  });

  it("says time-out when the deadline passed, whatever error the abort caused", () => {
    expect(explainFailure(new DOMException("aborted", "AbortError"), { ...context, timedOut: true, timeoutMs: 300 })).toMatchObject({
      kind: "timeout",
      message: "api.example.test:8443 did not answer within 300 ms; the request was stopped.",
    });
  });

  it("passes its own errors through unchanged", () => {
    const blocked = new OutboundError("blocked", "Blocked by outbound safety: …");
    expect(explainFailure(wrapped(blocked), { ...context, timedOut: true })).toBe(blocked);
  });

  it("writes sizes and durations for people", () => {
    expect([formatBytes(1000), formatBytes(1536), formatBytes(10 * 1024 * 1024)]).toEqual(["1000 bytes", "1.5 KB", "10 MB"]);
    expect([formatDuration(300), formatDuration(15_000), formatDuration(2500)]).toEqual(["300 ms", "15 seconds", "2.5 seconds"]);
  });
});
