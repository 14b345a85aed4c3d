-- AlterTable
ALTER TABLE "Connection" ADD COLUMN "agentId" TEXT;

-- CreateTable
CREATE TABLE "Agent" (
    "id" TEXT NOT NULL,
    "teamId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "tokenPrefix" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdById" TEXT,
    "createdByLabel" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMP(3),
    "revokedByLabel" TEXT,
    "version" TEXT,
    "hostname" TEXT,
    "instanceId" TEXT,
    "sessionId" TEXT,
    "connectedAt" TIMESTAMP(3),
    "lastSeenAt" TIMESTAMP(3),
    "disconnectedAt" TIMESTAMP(3),

    CONSTRAINT "Agent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AgentRelay" (
    "id" BIGSERIAL NOT NULL,
    "toInstance" TEXT NOT NULL,
    "payload" BYTEA NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AgentRelay_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Connection_agentId_idx" ON "Connection"("agentId");

-- CreateIndex
CREATE UNIQUE INDEX "Agent_tokenHash_key" ON "Agent"("tokenHash");

-- CreateIndex
CREATE INDEX "Agent_teamId_createdAt_idx" ON "Agent"("teamId", "createdAt" DESC);

-- CreateIndex
CREATE INDEX "AgentRelay_toInstance_id_idx" ON "AgentRelay"("toInstance", "id");

-- AddForeignKey
ALTER TABLE "Connection" ADD CONSTRAINT "Connection_agentId_fkey" FOREIGN KEY ("agentId") REFERENCES "Agent"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Agent" ADD CONSTRAINT "Agent_teamId_fkey" FOREIGN KEY ("teamId") REFERENCES "Team"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- An agent's revocation (or deletion) must end its live connection within
-- seconds on whichever instance holds it: announced as "agent:<id>" on the
-- proxy's channel, which every instance already listens to (lib/proxy/listener.ts).
-- (NEW is null in a DELETE trigger, OLD in an UPDATE's is the same row.)
CREATE FUNCTION keyway_agent_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('keyway_proxy', 'agent:' || COALESCE(NEW.id, OLD.id));
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Agent_proxy_notify" AFTER UPDATE OF "revokedAt", "tokenHash", "teamId" OR DELETE ON "Agent"
  FOR EACH ROW EXECUTE FUNCTION keyway_agent_notify();
