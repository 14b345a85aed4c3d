-- Issue 19: health checks, the status history, and the events they decide.
CREATE TABLE "ConnectionHealth" (
    "connectionId" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "method" TEXT,
    "path" TEXT,
    "expectedStatuses" TEXT NOT NULL DEFAULT '200-399',
    "intervalMinutes" INTEGER NOT NULL DEFAULT 15,
    "nextCheckAt" TIMESTAMP(3),
    "lastSlot" TIMESTAMP(3),
    "checkedAt" TIMESTAMP(3),
    "state" TEXT NOT NULL DEFAULT 'NOT_CHECKED',
    "stateSince" TIMESTAMP(3),
    "summary" TEXT,
    "httpStatus" INTEGER,
    "durationMs" INTEGER,

    CONSTRAINT "ConnectionHealth_pkey" PRIMARY KEY ("connectionId")
);
CREATE INDEX "ConnectionHealth_nextCheckAt_idx" ON "ConnectionHealth"("nextCheckAt");
CREATE INDEX "ConnectionHealth_teamId_idx" ON "ConnectionHealth"("teamId");
ALTER TABLE "ConnectionHealth" ADD CONSTRAINT "ConnectionHealth_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "ConnectionStatusChange" (
    "id" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ConnectionStatusChange_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "ConnectionStatusChange_connectionId_at_idx" ON "ConnectionStatusChange"("connectionId", "at" DESC);
ALTER TABLE "ConnectionStatusChange" ADD CONSTRAINT "ConnectionStatusChange_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "HealthNotice" (
    "key" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "event" JSONB NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "emittedAt" TIMESTAMP(3),

    CONSTRAINT "HealthNotice_pkey" PRIMARY KEY ("key")
);
CREATE INDEX "HealthNotice_emittedAt_idx" ON "HealthNotice"("emittedAt");

-- Existing connections get a check (request adopted from their newest successful test), first run at a random point of the next 15 minutes.
INSERT INTO "ConnectionHealth" ("connectionId", "teamId", "nextCheckAt")
SELECT c.id, c."teamId", CURRENT_TIMESTAMP + random() * interval '15 minutes' FROM "Connection" c;
