import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DigestProblem, digestAuthorization, parseDigestChallenge, type DigestAuth } from "@/lib/connections/digest";
import { oauth1Authorization, oauth1SignatureBase, temporaryCredentialsAuthorization, tokenCredentialsAuthorization, type OAuth1Auth } from "@/lib/connections/oauth1";
import { signSigV4, UNSIGNED_PAYLOAD, type SigV4Auth } from "@/lib/connections/sigv4";
import { redact, secretStrings } from "@/lib/connections/apply-auth";
import { connectionInputSchema } from "@/lib/connections/schemas";
import { verifyOAuth1 } from "../support/oauth1-verifier";
import { verifySigV4 } from "../support/sigv4-verifier";

const param = (header: string, name: string) => new RegExp(`${name}="?([^",]*)"?`).exec(header)?.[1];

describe("Digest (RFC 7616)", () => {
  // RFC 7616 3.9.1: the same request answered with SHA-256 and with MD5.
  const rfc = { realm: "http-auth@example.org", nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque: "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS" };
  const header = (algorithm: string) => `Digest realm="${rfc.realm}", qop="auth, auth-int", algorithm=${algorithm}, nonce="${rfc.nonce}", opaque="${rfc.opaque}"`;
  const mufasa: DigestAuth = { authType: "DIGEST", username: "Mufasa", password: "Circle of Life" };
  const request = { method: "GET", uri: "/dir/index.html", nc: 1, cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ" };

  it("answers RFC 7616's SHA-256 and MD5 examples with the responses the RFC gives", () => {
    const sha = digestAuthorization(mufasa, parseDigestChallenge(header("SHA-256"))!, request);
    expect(param(sha, "response")).toBe("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
    expect(sha).toContain("nc=00000001");
    expect(sha).toContain(`opaque="${rfc.opaque}"`);
    const md5 = digestAuthorization(mufasa, parseDigestChallenge(header("MD5"))!, request);
    expect(param(md5, "response")).toBe("8ca523f5e9506fed4657c9700eebdbec");
  });

  it("picks SHA-256 when the server offers it beside MD5, in one header or two", () => {
    expect(parseDigestChallenge(`${header("MD5")}, ${header("SHA-256")}`)!.algorithm).toBe("SHA-256");
    expect(parseDigestChallenge([header("MD5"), `Basic realm="x"`, header("SHA-256-sess")])!.algorithm).toBe("SHA-256-sess");
    expect(parseDigestChallenge(`Basic realm="only basic"`)).toBeNull();
  });

  it("says why it cannot answer a challenge it does not support", () => {
    expect(() => parseDigestChallenge(`Digest realm="r", nonce="n", qop="auth-int"`)).toThrow(DigestProblem);
    expect(() => parseDigestChallenge(`Digest realm="r", nonce="n", algorithm=SHA-512-256`)).toThrow(/SHA-512-256/);
  });

  it("answers an RFC 2069 challenge (no qop) without a nonce count", () => {
    const value = digestAuthorization(mufasa, parseDigestChallenge(`Digest realm="r", nonce="n"`)!, request);
    expect(value).not.toMatch(/\bnc=|cnonce=|qop=/);
  });
});

describe("AWS Signature V4", () => {
  // AWS's SigV4 test suite (aws-sig-v4-test-suite, as published in the AWS General Reference's
  // "Signature Version 4 test suite"): these credentials, region and date sign every case.
  const suite: SigV4Auth = { authType: "AWS_SIGV4", accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", region: "us-east-1", service: "service", proxyPayload: "unsigned" };
  const date = new Date("2015-08-30T12:36:00Z");
  const signatureOf = (headers: Record<string, string | string[]>) => /Signature=([0-9a-f]{64})/.exec(String(headers.authorization))?.[1];
  const cases = [
    { name: "get-vanilla", method: "GET", url: "https://example.amazonaws.com/", headers: {} as Record<string, string>, body: null as string | null, signature: "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
    { name: "post-vanilla", method: "POST", url: "https://example.amazonaws.com/", headers: {}, body: null, signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b" },
    { name: "get-vanilla-query-order-key-case", method: "GET", url: "https://example.amazonaws.com/?Param2=value2&Param1=value1", headers: {}, body: null, signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500" },
    { name: "post-x-www-form-urlencoded", method: "POST", url: "https://example.amazonaws.com/", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "Param1=value1", signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a" },
  ];

  for (const vector of cases) {
    it(`signs the test suite's ${vector.name} with its published signature`, async () => {
      const signed = await signSigV4(suite, { method: vector.method, url: new URL(vector.url), headers: vector.headers, body: vector.body }, date);
      expect(signatureOf(signed)).toBe(vector.signature);
      expect(signed["x-amz-date"]).toBe("20150830T123600Z");
    });
  }

  it("makes signatures an independent verifier (aws4) accepts: paths, repeated query values, a session token, a body, UNSIGNED-PAYLOAD", async () => {
    const auth: SigV4Auth = { ...suite, sessionToken: "FQoGZXIvYXdzEJr//////////wEaDOpEXAMPLE==", region: "eu-west-1", service: "execute-api" };
    const requests = [
      { method: "GET", url: "https://abc.execute-api.eu-west-1.amazonaws.com/prod/items/a%20b?limit=10&tag=x&tag=a&empty=", body: null as string | null, contentType: undefined as string | undefined },
      { method: "POST", url: "http://127.0.0.1:4010/v1/things", body: JSON.stringify({ name: "ünïcode" }), contentType: "application/json" },
      { method: "PUT", url: "https://api.example.com/upload", body: UNSIGNED_PAYLOAD, contentType: "application/octet-stream" },
    ];
    const credentials = { accessKeyId: auth.accessKeyId, secretAccessKey: auth.secretAccessKey, sessionToken: auth.sessionToken };
    for (const request of requests) {
      const url = new URL(request.url);
      const sent = await signSigV4(auth, { method: request.method, url, headers: request.contentType ? { "Content-Type": request.contentType } : {}, body: request.body });
      const received = Object.fromEntries([["host", url.host], ...Object.entries(sent).map(([name, value]) => [name.toLowerCase(), value])]);
      const body = Buffer.from(request.body === UNSIGNED_PAYLOAD ? "streamed bytes" : (request.body ?? ""));
      const asReceived = { method: request.method, rawUrl: `${url.pathname}${url.search}`, headers: received, body };
      expect(verifySigV4(asReceived, credentials, auth), request.url).toMatchObject({ ok: true });
      // The verifier is not a rubber stamp: another body, path or key fails.
      if (request.body !== UNSIGNED_PAYLOAD) expect(verifySigV4({ ...asReceived, body: Buffer.from("tampered") }, credentials, auth).ok).toBe(false);
      expect(verifySigV4({ ...asReceived, rawUrl: `${url.pathname}x${url.search}` }, credentials, auth).ok).toBe(false);
      expect(verifySigV4(asReceived, { ...credentials, secretAccessKey: "other" }, auth).ok).toBe(false);
    }
  });

  it("never shows the secret key or session token in what a test run keeps", () => {
    const auth: SigV4Auth = { ...suite, sessionToken: "SESSION+TOKEN/x=" };
    const hidden = secretStrings(auth, { headers: new Set(), params: new Set() });
    expect(redact(`key ${suite.secretAccessKey} token SESSION+TOKEN/x= or ${encodeURIComponent("SESSION+TOKEN/x=")}`, hidden)).not.toMatch(/wJalr|SESSION/);
  });
});

describe("OAuth 1.0a (RFC 5849)", () => {
  it("signs RFC 5849 1.2's photo request with the RFC's signature", () => {
    const auth: OAuth1Auth = { authType: "OAUTH1", consumerKey: "dpf43f3p2l4k3l03", consumerSecret: "kd94hf93k423kf44", signatureMethod: "HMAC-SHA1", token: "nnch734d00sl2jdk", tokenSecret: "pfkkdhi9sl3r4s00", realm: "Photos" };
    const header = oauth1Authorization(auth, { method: "GET", url: new URL("http://photos.example.net/photos?file=vacation.jpg&size=original") }, { timestamp: "137131202", nonce: "chapoH", includeVersion: false });
    expect(header).toContain('oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"');
    expect(header.startsWith('OAuth realm="Photos", ')).toBe(true);
  });

  // RFC 5849 1.2's printer and photos: the temporary credential request and the token request of the three-legged flow.
  const photos: OAuth1Auth = { authType: "OAUTH1", consumerKey: "dpf43f3p2l4k3l03", consumerSecret: "kd94hf93k423kf44", signatureMethod: "HMAC-SHA1", realm: "Photos" };

  it("signs RFC 5849 1.2's temporary credential request (with oauth_callback) with the RFC's base string and signature", () => {
    const url = new URL("https://photos.example.net/initiate");
    const options = { timestamp: "137131200", nonce: "wIjqoS", includeVersion: false };
    const header = temporaryCredentialsAuthorization({ ...photos, token: "left-over", tokenSecret: "ignored" }, url, "http://printer.example.com/ready", options);
    expect(header).toContain('oauth_callback="http%3A%2F%2Fprinter.example.com%2Fready"');
    expect(header).not.toContain("oauth_token=");
    expect(header).toContain('oauth_signature="74KNZJeDHnMBp0EMJ9ZHt%2FXKycU%3D"');
    expect(oauth1SignatureBase(photos, { method: "POST", url }, { ...options, extraProtocolParams: { oauth_callback: "http://printer.example.com/ready" } })).toBe(
      "POST&https%3A%2F%2Fphotos.example.net%2Finitiate&oauth_callback%3Dhttp%253A%252F%252Fprinter.example.com%252Fready%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DwIjqoS%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131200",
    );
  });

  it("signs RFC 5849 1.2's token request (temporary token, its secret and the verifier) with the RFC's base string and signature", () => {
    const url = new URL("https://photos.example.net/token");
    const options = { timestamp: "137131201", nonce: "walatlh", includeVersion: false };
    const header = tokenCredentialsAuthorization(photos, { token: "hh5s93j4hdidpola", secret: "hdhd0244k9j7ao03" }, "hfdp7dh39dks9884", url, options);
    expect(header).toContain('oauth_verifier="hfdp7dh39dks9884"');
    expect(header).toContain('oauth_signature="gKgrFCywp7rO0OXSjdot%2FIHF7IU%3D"');
    const temporary = { ...photos, token: "hh5s93j4hdidpola", tokenSecret: "hdhd0244k9j7ao03" };
    expect(oauth1SignatureBase(temporary, { method: "POST", url }, { ...options, extraProtocolParams: { oauth_verifier: "hfdp7dh39dks9884" } })).toBe(
      "POST&https%3A%2F%2Fphotos.example.net%2Ftoken&oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dwalatlh%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dhh5s93j4hdidpola%26oauth_verifier%3Dhfdp7dh39dks9884",
    );
    // And node-oauth, on the provider's side, accepts both requests of the flow.
    const verdict = verifyOAuth1({ method: "POST", url: url.href, authorization: header }, { consumerSecret: photos.consumerSecret, tokenSecret: "hdhd0244k9j7ao03" });
    expect(verdict).toMatchObject({ ok: true, params: { oauth_verifier: "hfdp7dh39dks9884" } });
  });

  it("builds RFC 5849 3.4.1.1's signature base string from its query and form body", () => {
    const auth: OAuth1Auth = { authType: "OAUTH1", consumerKey: "9djdj82h48djs9d2", consumerSecret: "j49sk3j29djd", signatureMethod: "HMAC-SHA1", token: "kkk9d7dh3k39sjv7", tokenSecret: "dh893hdasih9" };
    const base = oauth1SignatureBase(auth, { method: "POST", url: new URL("http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b"), formBody: "c2&a3=2+q" }, { timestamp: "137131201", nonce: "7d8f3e4a", includeVersion: false });
    expect(base).toBe(
      "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7",
    );
  });

  it("makes signatures an independent implementation (node-oauth) accepts, for every method, and rejects when tampered", () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
    const url = "https://api.example.com:8443/v1/search?q=caf%C3%A9&tag=b&tag=a";
    for (const signatureMethod of ["HMAC-SHA1", "HMAC-SHA256", "RSA-SHA1", "PLAINTEXT"] as const) {
      for (const token of [undefined, "tok-123"]) {
        const auth: OAuth1Auth = { authType: "OAUTH1", consumerKey: "ck", consumerSecret: "cs&secret", signatureMethod, privateKeyPem: privateKey, token, tokenSecret: token ? "ts secret" : undefined };
        const body = "name=J%C3%BCrgen&x=1";
        const authorization = oauth1Authorization(auth, { method: "POST", url: new URL(url), formBody: body });
        const secrets = { consumerSecret: auth.consumerSecret, tokenSecret: auth.tokenSecret, publicKeyPem: publicKey };
        const request = { method: "POST", url, authorization, contentType: "application/x-www-form-urlencoded", body };
        expect(verifyOAuth1(request, secrets), `${signatureMethod} ${token ?? "two-legged"}`).toMatchObject({ ok: true });
        if (signatureMethod !== "PLAINTEXT") expect(verifyOAuth1({ ...request, body: "name=Mallory&x=1" }, secrets).ok).toBe(false);
        expect(verifyOAuth1(request, { ...secrets, consumerSecret: "wrong", publicKeyPem: generateKeyPairSync("rsa", { modulusLength: 1024, publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } }).publicKey }).ok).toBe(false);
      }
    }
  });

  it("keeps PLAINTEXT's secrets out of what a test run keeps", () => {
    const auth: OAuth1Auth = { authType: "OAUTH1", consumerKey: "ck", consumerSecret: "c&s=cret", signatureMethod: "PLAINTEXT", token: "t", tokenSecret: "tok/secret" };
    const header = oauth1Authorization(auth, { method: "GET", url: new URL("https://api.example.com/") });
    const kept = redact(header, secretStrings(auth, { headers: new Set(), params: new Set() }));
    expect(kept).not.toMatch(/s%253Dcret|c%2526s|tok%252Fsecret|secret/);
  });
});

describe("schemas of the signed types", () => {
  const base = { name: "API", baseUrl: "https://api.example.com" };
  const oauth1 = { authType: "OAUTH1", consumerKey: "ck", consumerSecret: "cs", signatureMethod: "HMAC-SHA1", privateKeyPem: "", token: "", tokenSecret: "", realm: "" };
  it("asks a three-legged OAuth 1.0a connection for its three URLs, each an http(s) URL, and a pasted source for its token", () => {
    const missing = connectionInputSchema.safeParse({ ...base, ...oauth1, tokenSource: "connect", requestTokenUrl: "", authorizeUrl: "ftp://x.example/a", accessTokenUrl: "" });
    const paths = missing.success ? [] : missing.error.issues.map((issue) => issue.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["requestTokenUrl", "authorizeUrl", "accessTokenUrl"]));
    const pasted = connectionInputSchema.safeParse({ ...base, ...oauth1, tokenSource: "pasted" });
    expect(pasted.success ? [] : pasted.error.issues.map((issue) => issue.path.join("."))).toEqual(["token"]);
    const urls = { requestTokenUrl: "https://x.example/rt", authorizeUrl: "https://x.example/authorize", accessTokenUrl: "https://x.example/at" };
    expect(connectionInputSchema.safeParse({ ...base, ...oauth1, tokenSource: "connect", ...urls }).success).toBe(true);
    // API callers from before the flow: no tokenSource, the token decides.
    expect(connectionInputSchema.safeParse({ ...base, ...oauth1 }).success).toBe(true);
  });

  it("refuses a bearer token typed with the word Bearer, and bad region or service names", () => {
    const bearer = connectionInputSchema.safeParse({ ...base, authType: "BEARER", token: "Bearer abc" });
    expect(bearer.success).toBe(false);
    const aws = connectionInputSchema.safeParse({ ...base, authType: "AWS_SIGV4", accessKeyId: "AKID", secretAccessKey: "s", useSessionToken: false, sessionToken: "", region: "US East", service: "execute-api", proxyPayload: "unsigned" });
    expect(aws.success ? [] : aws.error.issues.map((i) => i.path.join("."))).toEqual(["region"]);
    const digest = connectionInputSchema.safeParse({ ...base, authType: "DIGEST", username: 'a"b', password: "" });
    expect(digest.success ? [] : digest.error.issues.map((i) => i.path.join("."))).toEqual(["username"]);
  });
});
