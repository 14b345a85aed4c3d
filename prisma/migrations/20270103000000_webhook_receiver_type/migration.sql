-- "Webhook receiver" is a connection type of its own (it was "None" with a webhook URL).
-- A new enum value cannot be used in the transaction that adds it: the existing
-- receivers move over in the next migration.
ALTER TYPE "AuthType" ADD VALUE IF NOT EXISTS 'WEBHOOK';

-- A receiver may forward each accepted event to a team's URL.
ALTER TABLE "Connection" ADD COLUMN "webhookForwardUrl" TEXT;

-- Forwards are deliveries like the notification channels' (same job, retries and log):
-- a delivery belongs to a channel or, for a forward, to a receiver connection.
ALTER TABLE "NotificationDelivery" ALTER COLUMN "channelId" DROP NOT NULL;
ALTER TABLE "NotificationDelivery" ADD COLUMN "connectionId" TEXT;
ALTER TABLE "NotificationDelivery" ADD CONSTRAINT "NotificationDelivery_one_owner" CHECK (("channelId" IS NULL) <> ("connectionId" IS NULL));
CREATE UNIQUE INDEX "NotificationDelivery_connectionId_eventId_key" ON "NotificationDelivery"("connectionId", "eventId");
CREATE INDEX "NotificationDelivery_connectionId_createdAt_idx" ON "NotificationDelivery"("connectionId", "createdAt" DESC);
ALTER TABLE "NotificationDelivery" ADD CONSTRAINT "NotificationDelivery_connectionId_fkey" FOREIGN KEY ("connectionId") REFERENCES "Connection"("id") ON DELETE CASCADE ON UPDATE CASCADE;
