import { publicUrl } from "../config";

/**
 * The one redirect URI of this instance (SPEC.md, "Universal callback URL"):
 * every provider, client and connection uses it, and every page that shows it
 * shows this value, so what a user registers is what Keyway sends.
 */
export function callbackUrl(): string {
  return `${publicUrl()}/oauth/callback`;
}
