"use server";

import { argument, checkArguments } from "@/lib/action-arguments";
import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { requireMember } from "@/lib/access";
import { refusalState, type FormState } from "@/lib/forms";
import { parseClientDraft, type ClientDraft } from "@/lib/oauth/client-draft";
import { createOAuthClient, deleteOAuthClient, discoverForForm, updateOAuthClient } from "@/lib/oauth/clients";
import type { DiscoveredEndpoints } from "@/lib/oauth/http";
import { ASSERTION_ALGS, CONNECTION_TOKEN_AUTH_METHODS, endpointUrlSchema } from "@/lib/oauth/schemas";
import { text } from "@/lib/schemas/text";

// Admins register, edit and delete the team's OAuth clients: a client decides
// which provider accounts and scopes every connection can reach, so it is
// managed like members and API keys. Members only choose one for a connection.
// Each action checks again on the server.

const draftShape = z.object({
  name: text(),
  provider: text(),
  issuer: text(),
  authorizationUrl: text(),
  tokenUrl: text(),
  revocationUrl: text(),
  parUrl: text(),
  clientId: text(),
  clientSecret: text(),
  scopes: text(),
  scopeSeparator: z.enum([" ", ","]),
  tokenAuthMethod: z.enum(CONNECTION_TOKEN_AUTH_METHODS),
  clientPrivateKeyPem: text().default(""),
  clientAssertionAlg: z.enum(ASSERTION_ALGS).default("RS256"),
  clientAssertionKid: text().default(""),
  pkce: z.boolean(),
  extraAuthParams: z.array(z.object({ name: text(), value: text() })).max(100),
  notes: text(),
  placeholders: z.record(text(), text()),
}) satisfies z.ZodType<ClientDraft>;

function readDraft(formData: FormData): ClientDraft | undefined {
  const raw = formData.get("payload");
  if (typeof raw !== "string") return undefined;
  try {
    const parsed = draftShape.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

export async function saveClientAction(teamSlug: string, clientId: string | null, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, clientId, _previous, formData], [argument.teamSlug, argument.idOrNew, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "ADMIN");
  const draft = readDraft(formData);
  if (!draft) return { error: "The form could not be read. Reload the page and try again." };
  const parsed = parseClientDraft(draft);
  if (!parsed.success) return { fieldErrors: parsed.fieldErrors };
  let savedId: string;
  try {
    const saved = clientId
      ? await updateOAuthClient(team.id, actor, clientId, parsed.input, { redirectUriConfirmed: formData.get("redirectUriConfirmed") === "yes" })
      : await createOAuthClient(team.id, actor, parsed.input);
    savedId = saved.id;
  } catch (error) {
    return refusalState(error);
  }
  revalidatePath(`/t/${teamSlug}/clients`);
  redirect(`/t/${teamSlug}/clients/${savedId}?saved=1`);
}

export async function deleteClientAction(teamSlug: string, clientId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, clientId, _previous, formData], [argument.teamSlug, argument.id, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "ADMIN");
  if (formData.get("confirm") !== "yes") return { error: "Confirm that you want to delete this client." };
  try {
    await deleteOAuthClient(team.id, actor, clientId);
  } catch (error) {
    return refusalState(error);
  }
  revalidatePath(`/t/${teamSlug}/clients`);
  redirect(`/t/${teamSlug}/clients?deleted=1`);
}

export type DiscoverState = { endpoints?: DiscoveredEndpoints; error?: string };

/** Reads an issuer's discovery document for the form (through outbound safety, like every request Keyway sends). */
export async function discoverAction(teamSlug: string, issuer: string): Promise<DiscoverState> {
  checkArguments([teamSlug, issuer], [argument.teamSlug, argument.text]);
  await requireMember(teamSlug, "ADMIN");
  const url = endpointUrlSchema("issuer URL").safeParse(issuer);
  if (!url.success) return { error: url.error.issues[0]?.message ?? "Enter the issuer URL." };
  try {
    return { endpoints: await discoverForForm(url.data) };
  } catch (error) {
    const state = refusalState(error);
    return { error: state.error ?? Object.values(state.fieldErrors ?? {})[0] };
  }
}
