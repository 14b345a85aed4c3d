-- Issue 17: a Bearer token type, Digest, AWS Signature V4 and OAuth 1.0a.
-- Additive: existing rows keep their types.
ALTER TYPE "AuthType" ADD VALUE 'BEARER';
ALTER TYPE "AuthType" ADD VALUE 'DIGEST';
ALTER TYPE "AuthType" ADD VALUE 'AWS_SIGV4';
ALTER TYPE "AuthType" ADD VALUE 'OAUTH1';
