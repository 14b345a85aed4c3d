// oauth-sign ships no types; these are the functions Keyway calls.
declare module "oauth-sign" {
  type Params = Record<string, string | string[]>;
  export function sign(signMethod: string, httpMethod: string, baseUri: string, params: Params, consumerSecretOrKey: string, tokenSecret?: string): string;
  export function generateBase(httpMethod: string, baseUri: string, params: Params): string;
  export function rfc3986(text: string): string;
}
