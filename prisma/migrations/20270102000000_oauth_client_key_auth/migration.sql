-- Registered OAuth clients may authenticate with private_key_jwt (RFC 7523 2.2): the signing
-- algorithm, the key ID the provider knows the key by, the private key (a lib/crypto envelope bound
-- to "oauth-client-key:<id>", write-only) and its public half as a JWK (not secret: shown so it can be
-- registered at the provider). tls_client_auth / self_signed_tls_client_auth need no column here: they
-- use each connection's client certificate (the one the API sees; lib/oauth/settings.ts).
ALTER TABLE "OAuthClient" ADD COLUMN "assertionAlg" TEXT;
ALTER TABLE "OAuthClient" ADD COLUMN "assertionKid" TEXT;
ALTER TABLE "OAuthClient" ADD COLUMN "privateKey" TEXT;
ALTER TABLE "OAuthClient" ADD COLUMN "publicJwk" JSONB;
ALTER TABLE "OAuthClient" ADD COLUMN "keyChangedAt" TIMESTAMP(3);
