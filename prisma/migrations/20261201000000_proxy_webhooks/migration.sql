-- AlterTable
ALTER TABLE "Connection" ADD COLUMN "webhookSecret" TEXT,
ADD COLUMN "webhookSecretLastFour" TEXT,
ADD COLUMN "webhookSignatureHeader" TEXT NOT NULL DEFAULT 'X-Signature-256',
ADD COLUMN "webhookSignatureEncoding" TEXT NOT NULL DEFAULT 'hex',
ADD COLUMN "webhookSignaturePrefix" TEXT NOT NULL DEFAULT 'sha256=',
ADD COLUMN "webhookRefusedCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "webhookLastRefusedAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "keyHash" TEXT NOT NULL,
    "createdById" TEXT,
    "createdByLabel" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "revokedByLabel" TEXT,

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "WebhookEvent" (
    "id" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "contentType" TEXT,
    "headers" JSONB NOT NULL DEFAULT '{}',
    "body" BYTEA NOT NULL,
    "size" INTEGER NOT NULL,
    "sourceIp" TEXT NOT NULL,
    "signatureVerified" BOOLEAN,

    CONSTRAINT "WebhookEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_keyHash_key" ON "ApiKey"("keyHash");

-- CreateIndex
CREATE INDEX "ApiKey_teamId_createdAt_idx" ON "ApiKey"("teamId", "createdAt" DESC);

-- CreateIndex
CREATE INDEX "WebhookEvent_connectionId_receivedAt_id_idx" ON "WebhookEvent"("connectionId", "receivedAt" DESC, "id" DESC);

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WebhookEvent" ADD CONSTRAINT "WebhookEvent_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
