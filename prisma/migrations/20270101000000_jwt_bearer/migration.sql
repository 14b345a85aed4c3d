-- Issue 16, item 10: service accounts with the JWT bearer grant (RFC 7523 2.1),
-- a Google service account and a generic variant. Additive: existing rows keep their types.
ALTER TYPE "AuthType" ADD VALUE 'GOOGLE_SERVICE_ACCOUNT';
ALTER TYPE "AuthType" ADD VALUE 'OAUTH2_JWT_BEARER';
