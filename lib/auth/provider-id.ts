export const OIDC_PROVIDER_ID = "oidc";
