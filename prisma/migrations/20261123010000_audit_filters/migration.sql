-- CreateIndex
CREATE INDEX "AuditEvent_teamId_objectId_createdAt_id_idx" ON "AuditEvent"("teamId", "objectId", "createdAt" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "AuditEvent_teamId_actorLabel_createdAt_id_idx" ON "AuditEvent"("teamId", "actorLabel", "createdAt" DESC, "id" DESC);
