import { rootCertificates } from "node:tls";
import type { TlsOptions } from "../outbound";

/** The TLS material a connection's requests carry: its client certificate (key from the decrypted secrets) and CA bundle. */
export function connectionTls(
  connection: { clientCertPem: string | null; clientCaPem: string | null },
  secrets: { clientKeyPem?: string; clientKeyPassphrase?: string },
): TlsOptions {
  return {
    ...(connection.clientCertPem ? { cert: connection.clientCertPem, key: secrets.clientKeyPem, passphrase: secrets.clientKeyPassphrase } : {}),
    // A CA bundle adds to the public roots rather than replacing them, so it cannot break a public API's certificate.
    ...(connection.clientCaPem ? { ca: [...rootCertificates, connection.clientCaPem].join("\n") } : {}),
  };
}
