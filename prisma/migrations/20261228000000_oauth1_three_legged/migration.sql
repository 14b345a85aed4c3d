-- Issue 17: the three-legged OAuth 1.0a flow. A pending flow keeps the
-- temporary credentials' secret (encrypted); a token set records who connected.
-- Additive: existing rows get NULL.
ALTER TABLE "PendingAuthorization" ADD COLUMN "requestTokenSecret" TEXT;
ALTER TABLE "TokenSet" ADD COLUMN "connectedBy" TEXT;
