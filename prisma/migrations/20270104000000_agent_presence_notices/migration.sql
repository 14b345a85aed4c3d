-- agent.offline / agent.online for every agent (lib/agents/presence-notices.ts):
-- the presence the team was last told about. A change is announced by the one
-- conditional UPDATE that moves this column, so every instance may look and
-- only one announces.
ALTER TABLE "Agent" ADD COLUMN "presenceNotified" TEXT;
ALTER TABLE "Agent" ADD COLUMN "presenceNotifiedAt" TIMESTAMP(3);

-- Agents already offline when this ships are not announced as going offline now
-- (it happened before); they are announced when they come back.
UPDATE "Agent" SET "presenceNotified" = 'offline'
WHERE "revokedAt" IS NULL AND "connectedAt" IS NOT NULL
  AND NOT ("instanceId" IS NOT NULL AND "lastSeenAt" > (now() AT TIME ZONE 'UTC') - interval '20 seconds');
