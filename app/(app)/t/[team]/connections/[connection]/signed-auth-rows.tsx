import type { SecretHints, StoredConfig } from "@/lib/connections/stored";

// The settings rows of the Bearer token, AWS SigV4 and OAuth 1.0a types on a
// connection's page: what is set, never a secret's value.

function secretText(hints: SecretHints, key: string): string {
  const hint = hints[key];
  if (!hint) return "not set";
  return hint.lastFour ? `set, ends in ${hint.lastFour}` : "set";
}

function Row({ label, children, mono = false }: { label: string; children: React.ReactNode; mono?: boolean }) {
  return (
    <div className="flex justify-between gap-2 py-2">
      <dt className="text-sm text-slate-600">{label}</dt>
      <dd className={mono ? "break-words text-right font-mono text-sm text-slate-800" : "text-right text-sm text-slate-600"}>{children}</dd>
    </div>
  );
}

export function SignedAuthRows({ authType, config, hints }: { authType: string; config: StoredConfig; hints: SecretHints }) {
  if (authType === "BEARER") return <Row label="Token">{secretText(hints, "token")}</Row>;
  if (authType === "AWS_SIGV4" && config.aws) {
    return (
      <>
        <Row label="Access key ID" mono>
          {config.aws.accessKeyId}
        </Row>
        <Row label="Secret access key">{secretText(hints, "secretAccessKey")}</Row>
        {hints.sessionToken ? <Row label="Session token">{secretText(hints, "sessionToken")}</Row> : null}
        <Row label="Region and service" mono>
          {config.aws.region} / {config.aws.service}
        </Row>
        <Row label="Proxied bodies">{config.aws.proxyPayload === "unsigned" ? "streamed, UNSIGNED-PAYLOAD" : "hash signed (up to 10 MB)"}</Row>
      </>
    );
  }
  if (authType === "OAUTH1" && config.oauth1) {
    return (
      <>
        <Row label="Consumer key" mono>
          {config.oauth1.consumerKey}
        </Row>
        <Row label="Signature method" mono>
          {config.oauth1.signatureMethod}
        </Row>
        {config.oauth1.signatureMethod === "RSA-SHA1" ? <Row label="Private key">{secretText(hints, "privateKeyPem")}</Row> : <Row label="Consumer secret">{secretText(hints, "consumerSecret")}</Row>}
        {config.oauth1.flow ? (
          <>
            <Row label="Access token">from Connect (three-legged)</Row>
            <Row label="Temporary credentials URL" mono>
              <span className="break-all text-xs">{config.oauth1.flow.requestTokenUrl}</span>
            </Row>
            <Row label="Authorization URL" mono>
              <span className="break-all text-xs">{config.oauth1.flow.authorizeUrl}</span>
            </Row>
            <Row label="Token URL" mono>
              <span className="break-all text-xs">{config.oauth1.flow.accessTokenUrl}</span>
            </Row>
          </>
        ) : (
          <Row label="Access token" mono>
            {config.oauth1.token ?? "none (two-legged)"}
          </Row>
        )}
        {config.oauth1.token ? <Row label="Token secret">{secretText(hints, "tokenSecret")}</Row> : null}
      </>
    );
  }
  return null;
}
