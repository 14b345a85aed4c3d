-- None connections that were used as webhook receivers (they kept events, or had a
-- signing secret, or refused unsigned events) become Webhook receivers; the others
-- stay None, the type for APIs without authentication. Their base URL is kept
-- (a receiver does not show or use it) so that nothing typed is lost.
UPDATE "Connection" c
SET "authType" = 'WEBHOOK', "agentId" = NULL
WHERE c."authType" = 'NONE'
  AND (
    c."webhookSecret" IS NOT NULL
    OR c."webhookRefusedCount" > 0
    OR EXISTS (SELECT 1 FROM "WebhookEvent" e WHERE e."connectionId" = c."id")
  );

-- A receiver has no API to check: its scheduled health check stops.
UPDATE "ConnectionHealth" h SET "enabled" = false
FROM "Connection" c
WHERE c."id" = h."connectionId" AND c."authType" = 'WEBHOOK';
