-- Scopes of team API keys: the keys that exist were made for the proxy, so they keep exactly that.
-- (Nullable, as Prisma lays out scalar lists; lib/proxy/check.ts reads a NULL as no scope.)
ALTER TABLE "ApiKey" ADD COLUMN "scopes" TEXT[] DEFAULT ARRAY['proxy']::TEXT[];

-- "Allow services to read this connection's credentials": off until an admin turns it on.
ALTER TABLE "Connection" ADD COLUMN "credentialsReadable" BOOLEAN NOT NULL DEFAULT false;

-- Idempotency-Key on POST /api/v1/…: the first answer is kept (encrypted: it may hold a key shown once)
-- and replayed to a retry with the same key and body. A NULL status marks a request still being served.
CREATE TABLE "ApiIdempotencyKey" (
    "apiKeyId" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "requestHash" TEXT NOT NULL,
    "status" INTEGER,
    "response" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ApiIdempotencyKey_pkey" PRIMARY KEY ("apiKeyId","key")
);

CREATE INDEX "ApiIdempotencyKey_createdAt_idx" ON "ApiIdempotencyKey"("createdAt");

ALTER TABLE "ApiIdempotencyKey" ADD CONSTRAINT "ApiIdempotencyKey_apiKeyId_fkey" FOREIGN KEY ("apiKeyId") REFERENCES "ApiKey"("id") ON DELETE CASCADE ON UPDATE CASCADE;
