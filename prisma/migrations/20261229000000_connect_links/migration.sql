-- Connect links: a link someone outside the team opens to authorize one connection or type its secrets.
-- Only the token's SHA-256 is kept.
CREATE TABLE "ConnectLink" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdById" TEXT,
    "createdByLabel" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "openedAt" TIMESTAMP(3),
    "usedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "revokedByLabel" TEXT,

    CONSTRAINT "ConnectLink_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "ConnectLink_tokenHash_key" ON "ConnectLink"("tokenHash");
CREATE INDEX "ConnectLink_connectionId_createdAt_idx" ON "ConnectLink"("connectionId", "createdAt" DESC);
ALTER TABLE "ConnectLink" ADD CONSTRAINT "ConnectLink_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- An authorization started from a connect link has no member; it is bound to the link and to the browser that started it.
ALTER TABLE "PendingAuthorization" ALTER COLUMN "userId" DROP NOT NULL;
ALTER TABLE "PendingAuthorization" ADD COLUMN "connectLinkId" TEXT;
ALTER TABLE "PendingAuthorization" ADD COLUMN "browserHash" TEXT;
CREATE INDEX "PendingAuthorization_connectLinkId_idx" ON "PendingAuthorization"("connectLinkId");
ALTER TABLE "PendingAuthorization" ADD CONSTRAINT "PendingAuthorization_connectLinkId_fkey" FOREIGN KEY ("connectLinkId") REFERENCES "ConnectLink"("id") ON DELETE CASCADE ON UPDATE CASCADE;
