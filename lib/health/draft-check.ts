// "Save and test": the connection form's settings checked before they are
// saved, with the health check's request (or GET of the base URL for a new
// connection), sent exactly like a test. The settings are merged with the
// saved ones as saving would merge them (an empty secret field keeps the saved
// secret) and sealed for this one request; nothing is written.
import { randomBytes } from "node:crypto";
import type { AuditActor } from "../audit";
import { encryptJson } from "../crypto";
import { db } from "../db";
import { DomainError } from "../errors";
import { connectionNotFound, openSecrets, type ClientCertificateToStore } from "../connections";
import { canSaveAndTest, chosenAgentId, isOAuthType, type ConnectionInput } from "../connections/schemas";
import { storeAuth, storedConfigSchema } from "../connections/stored";
import { sendTestRequest, type Connection } from "../connections/test-request";
import { unsavedAccessToken } from "../oauth/tokens";
import { outcomeOf } from "./check";
import type { CheckOutcome } from "./record";
import { DEFAULT_EXPECTED_STATUSES } from "./state";

/** The check's outcome for unsaved settings; null where canSaveAndTest says there is nothing to check before saving. */
export async function checkDraft(teamId: string, actor: AuditActor, connectionId: string | null, input: ConnectionInput, certificate: ClientCertificateToStore | "keep" | null): Promise<CheckOutcome | null> {
  if (!canSaveAndTest(input.authType)) return null;
  const saved = connectionId ? await db.connection.findFirst({ where: { id: connectionId, teamId } }) : null;
  if (connectionId && !saved) throw connectionNotFound();
  const savedBlob = saved ? openSecrets(saved.id, saved.secrets) : {};
  const { config, secrets } = storeAuth(input, saved ? { authType: saved.authType as ConnectionInput["authType"], config: storedConfigSchema.parse(saved.config ?? {}), secrets: savedBlob } : null);
  const keep = certificate === "keep" && saved?.clientCertPem ? saved : null;
  const fresh = certificate && certificate !== "keep" ? certificate : null;
  const agentId = chosenAgentId(input);
  if (agentId) {
    const agent = await db.agent.findFirst({ where: { id: agentId, teamId, revokedAt: null }, select: { id: true } });
    if (!agent) throw new DomainError("Choose one of this team's agents.", 400, "agentId");
  }
  // Sealed to an id of its own: the envelope is only ever opened by this request.
  const id = saved?.id ?? `draft-${randomBytes(8).toString("hex")}`;
  const blob = { ...secrets, clientKeyPem: keep ? savedBlob.clientKeyPem : fresh?.privateKeyPem, clientKeyPassphrase: keep ? savedBlob.clientKeyPassphrase : fresh?.passphrase };
  const draft = {
    ...(saved ?? {}),
    id,
    teamId,
    name: input.name,
    baseUrl: input.baseUrl,
    authType: input.authType,
    config,
    secrets: encryptJson(blob, id),
    agentId,
    // A registered client named by the form (lib/oauth/settings.ts reads it within this team only; saving checks the same).
    oauthClientId: "oauthClientRef" in input && input.oauthClientRef !== "" ? input.oauthClientRef : null,
    clientCertPem: keep ? keep.clientCertPem : (fresh?.chainPem ?? null),
    clientCaPem: keep ? keep.clientCaPem : (fresh?.caPem ?? null),
  } as Connection;
  const health = saved ? await db.connectionHealth.findUnique({ where: { connectionId: saved.id } }) : null;
  const method = health?.method ?? "GET";
  const path = health?.path ?? "";
  // An OAuth2 draft's token is asked for with the draft's settings and kept nowhere: the saved token set belongs to the saved settings.
  const token = isOAuthType(input.authType) ? () => unsavedAccessToken(draft) : undefined;
  const sent = await sendTestRequest(draft, actor, { method: method as "GET", path, headers: [], body: "" }, token ? { token } : {});
  return outcomeOf(sent, method, path, health?.expectedStatuses ?? DEFAULT_EXPECTED_STATUSES);
}
