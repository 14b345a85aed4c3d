-- Signature presets of the webhook receiver: existing connections keep their custom HMAC settings.
ALTER TABLE "Connection" ADD COLUMN "webhookSignatureScheme" TEXT NOT NULL DEFAULT 'custom';
ALTER TABLE "Connection" ADD COLUMN "webhookToleranceSeconds" INTEGER NOT NULL DEFAULT 300;
