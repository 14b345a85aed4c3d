import { CopyField } from "@/components/copy-button";

/**
 * A private_key_jwt client's public key, as a JWKS a provider's client
 * registration takes (pasted, or served at a jwks_uri), with its RFC 7638
 * thumbprint: public, so it may be shown and copied; the private key never is.
 */
export function PublicKeyPanel({ publicJwk, thumbprint }: { publicJwk: object; thumbprint: string | null }) {
  return (
    <div className="space-y-2 rounded-md border border-slate-200 bg-slate-50 p-3" data-testid="public-key">
      <CopyField value={JSON.stringify({ keys: [publicJwk] })} label="Public key to register (JWKS)" />
      {thumbprint ? (
        <p className="text-xs text-slate-600">
          Key thumbprint (SHA-256, RFC 7638): <span className="break-all font-mono">{thumbprint}</span>
        </p>
      ) : null}
    </div>
  );
}
