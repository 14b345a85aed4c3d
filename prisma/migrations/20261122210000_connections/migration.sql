-- CreateEnum
CREATE TYPE "AuthType" AS ENUM ('NONE', 'BASIC', 'HEADER', 'QUERY', 'CUSTOM', 'OAUTH2_CODE', 'OAUTH2_CLIENT_CREDENTIALS');

-- CreateEnum
CREATE TYPE "ConnectionStatus" AS ENUM ('UNTESTED', 'WORKING', 'FAILING', 'NEEDS_REAUTH');

-- CreateTable
CREATE TABLE "Connection" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "baseUrl" TEXT NOT NULL,
    "authType" "AuthType" NOT NULL,
    "config" JSONB NOT NULL DEFAULT '{}',
    "secrets" TEXT,
    "secretHints" JSONB NOT NULL DEFAULT '{}',
    "clientCertPem" TEXT,
    "clientCaPem" TEXT,
    "clientCertSubject" TEXT,
    "clientCertExpiresAt" TIMESTAMP(3),
    "webhookToken" TEXT NOT NULL,
    "status" "ConnectionStatus" NOT NULL DEFAULT 'UNTESTED',
    "lastTestedAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Connection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TestRun" (
    "id" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "actorId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "method" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "requestHeaders" JSONB NOT NULL DEFAULT '{}',
    "requestBody" TEXT,
    "ok" BOOLEAN NOT NULL,
    "status" INTEGER,
    "errorKind" TEXT,
    "errorMessage" TEXT,
    "durationMs" INTEGER NOT NULL,
    "responseHeaders" JSONB NOT NULL DEFAULT '{}',
    "responseBody" TEXT,
    "responseTruncated" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "TestRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Connection_webhookToken_key" ON "Connection"("webhookToken");

-- CreateIndex
CREATE INDEX "Connection_teamId_name_idx" ON "Connection"("teamId", "name");

-- CreateIndex
CREATE INDEX "TestRun_connectionId_createdAt_idx" ON "TestRun"("connectionId", "createdAt" DESC);

-- AddForeignKey
ALTER TABLE "Connection" ADD CONSTRAINT "Connection_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TestRun" ADD CONSTRAINT "TestRun_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
