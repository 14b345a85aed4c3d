-- The proxy caches API keys and decrypted connections in each app instance's
-- memory (lib/proxy). Every write that could make such a copy wrong announces
-- itself on the channel keyway_proxy, delivered at commit to every instance
-- that listens, whichever code path (or person at a psql prompt) made it.
CREATE FUNCTION keyway_proxy_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed RECORD;
BEGIN
  IF TG_OP = 'DELETE' THEN
    changed := OLD;
  ELSE
    changed := NEW;
  END IF;
  IF TG_TABLE_NAME = 'ApiKey' THEN
    PERFORM pg_notify('keyway_proxy', 'key:' || changed.id);
  ELSIF TG_TABLE_NAME = 'TokenSet' THEN
    PERFORM pg_notify('keyway_proxy', 'connection:' || changed."connectionId");
  ELSIF TG_TABLE_NAME = 'OAuthClient' THEN
    PERFORM pg_notify('keyway_proxy', 'client:' || changed.id);
  ELSE
    PERFORM pg_notify('keyway_proxy', 'connection:' || changed.id);
  END IF;
  RETURN NULL;
END;
$$;

-- Only what decides whether a key is accepted: the batched last-used writes stay silent.
CREATE TRIGGER "ApiKey_proxy_notify" AFTER UPDATE OF "revokedAt", "expiresAt", "keyHash", "teamId" OR DELETE ON "ApiKey"
  FOR EACH ROW EXECUTE FUNCTION keyway_proxy_notify();

CREATE TRIGGER "Connection_proxy_notify" AFTER UPDATE OR DELETE ON "Connection"
  FOR EACH ROW EXECUTE FUNCTION keyway_proxy_notify();

CREATE TRIGGER "TokenSet_proxy_notify" AFTER INSERT OR UPDATE OR DELETE ON "TokenSet"
  FOR EACH ROW EXECUTE FUNCTION keyway_proxy_notify();

CREATE TRIGGER "OAuthClient_proxy_notify" AFTER UPDATE OR DELETE ON "OAuthClient"
  FOR EACH ROW EXECUTE FUNCTION keyway_proxy_notify();
