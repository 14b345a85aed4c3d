"use server";

import { argument, checkArguments } from "@/lib/action-arguments";
import { revalidatePath } from "next/cache";
import { notFound, redirect } from "next/navigation";
import { requireMember } from "@/lib/access";
import { DomainError } from "@/lib/errors";
import { fieldErrorsOf, refusalState, type FormState } from "@/lib/forms";
import { certificateToStore } from "@/lib/connections/certificate-input";
import { connectionDraftSchema, parseDraft } from "@/lib/connections/form-payload";
import { createConnection, deleteConnection, duplicateConnection, updateConnection } from "@/lib/connections";
import { StoredAuthError } from "@/lib/connections/stored";
import { runTestRequest, testRequestSchema, type TestRunView } from "@/lib/connections/test-request";
import { runTokenSchema, startCancellableRun } from "@/lib/connections/test-cancel";
import { startAuthorization } from "@/lib/oauth/authorize";
import { checkDraft } from "@/lib/health/draft-check";
import { checkSoon, keepDraftCheck, type CheckOutcome } from "@/lib/health/record";
import { disconnectConnection, findConnectionForTokens } from "@/lib/oauth/tokens";

// Members create, edit and test connections; viewers only read. Each action
// checks that again on the server, whatever the page showed.

function readJson(formData: FormData, field: string): unknown {
  const raw = formData.get(field);
  if (typeof raw !== "string") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function refusal(error: unknown): FormState {
  if (error instanceof StoredAuthError) return { fieldErrors: error.fieldErrors };
  return refusalState(error);
}

export async function saveConnectionAction(teamSlug: string, connectionId: string | null, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, connectionId, _previous, formData], [argument.teamSlug, argument.idOrNew, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "MEMBER");
  const draft = connectionDraftSchema.safeParse(readJson(formData, "payload"));
  if (!draft.success) return { error: "The form could not be read. Reload the page and try again." };
  const parsed = parseDraft(draft.data);
  if (!parsed.success) return { fieldErrors: parsed.fieldErrors };

  const chosen = certificateToStore(parsed.certificate, connectionId !== null);
  if (!chosen.ok) return { fieldErrors: chosen.fieldErrors };
  const certificate = chosen.certificate;

  // "Save and test": the settings are checked first; a failing check saves nothing, and the result is shown in the form, where the plain save button saves anyway.
  let checked: CheckOutcome | null = null;
  if (formData.get("intent") === "test") {
    try {
      checked = await checkDraft(team.id, actor, connectionId, parsed.input, certificate);
    } catch (error) {
      return refusal(error);
    }
    if (checked && checked.state !== "WORKING") {
      return { ok: false, message: "The check failed, so nothing was saved. Fix the settings and try again, or save anyway.", result: { outcome: checked.summary } };
    }
  }

  let savedId: string;
  try {
    const saved = connectionId
      ? await updateConnection(team.id, actor, connectionId, parsed.input, certificate)
      : await createConnection(team.id, actor, parsed.input, certificate === "keep" ? null : certificate);
    savedId = saved.id;
  } catch (error) {
    return refusal(error);
  }
  // The check that passed before the save is the connection's first (a new connection's check is that request); changed settings are checked again soon.
  if (checked) await keepDraftCheck(savedId, team.id, checked);
  else await checkSoon(savedId, team.id);
  revalidatePath(`/t/${teamSlug}/connections`);
  redirect(`/t/${teamSlug}/connections/${savedId}?saved=1`);
}

export async function duplicateConnectionAction(teamSlug: string, connectionId: string): Promise<void> {
  checkArguments([teamSlug, connectionId], [argument.teamSlug, argument.id]);
  const { team, actor } = await requireMember(teamSlug, "MEMBER");
  let copy: Awaited<ReturnType<typeof duplicateConnection>>;
  try {
    copy = await duplicateConnection(team.id, actor, connectionId);
  } catch (error) {
    // Another team's connection, or one deleted meanwhile: the same 404 as the connection's page.
    if (error instanceof DomainError) notFound();
    throw error;
  }
  revalidatePath(`/t/${teamSlug}/connections`);
  redirect(`/t/${teamSlug}/connections/${copy.id}/edit?duplicated=1`);
}

export async function deleteConnectionAction(teamSlug: string, connectionId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, connectionId, _previous, formData], [argument.teamSlug, argument.id, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "MEMBER");
  if (formData.get("confirm") !== "yes") return { error: "Confirm that you want to delete this connection." };
  try {
    await deleteConnection(team.id, actor, connectionId);
  } catch (error) {
    return refusal(error);
  }
  revalidatePath(`/t/${teamSlug}/connections`);
  redirect(`/t/${teamSlug}/connections?deleted=1`);
}

export type TestState = { run?: TestRunView; error?: string; fieldErrors?: Record<string, string> };

export async function testConnectionAction(teamSlug: string, connectionId: string, _previous: TestState, formData: FormData): Promise<TestState> {
  checkArguments([teamSlug, connectionId, _previous, formData], [argument.teamSlug, argument.id, argument.previousState, argument.form]);
  const { team, user, actor } = await requireMember(teamSlug, "MEMBER");
  const parsed = testRequestSchema.safeParse(readJson(formData, "payload"));
  if (!parsed.success) return { fieldErrors: fieldErrorsOf(parsed.error) };
  // Without a token (no JavaScript on the page) the run simply cannot be cancelled.
  const token = runTokenSchema.safeParse(formData.get("runToken"));
  const cancellable = token.success ? startCancellableRun(user.id, token.data) : null;
  try {
    const run = await runTestRequest(team.id, actor, connectionId, parsed.data, { signal: cancellable?.signal });
    revalidatePath(`/t/${teamSlug}/connections/${connectionId}`);
    return { run };
  } catch (error) {
    if (error instanceof DomainError) return refusalState(error);
    // A secret that no key in the keyring opens, or similar: say so, never with the value.
    if (error instanceof Error && error.name.endsWith("KeyError")) return { error: error.message };
    throw error;
  } finally {
    cancellable?.done();
  }
}

/** Starts the authorization code flow: off to the provider, or back to the page with the provider's refusal. */
export async function connectConnectionAction(teamSlug: string, connectionId: string): Promise<void> {
  checkArguments([teamSlug, connectionId], [argument.teamSlug, argument.id]);
  const { team, user, actor } = await requireMember(teamSlug, "MEMBER");
  let started: Awaited<ReturnType<typeof startAuthorization>>;
  try {
    started = await startAuthorization(team.id, user.id, actor, connectionId);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    if (error.status === 404) notFound();
    // Not an authorization code connection, or its client lacks an authorization URL: the page says which.
    redirect(`/t/${teamSlug}/connections/${connectionId}?connect=refused`);
  }
  if ("failed" in started) redirect(`/t/${teamSlug}/connections/${connectionId}?authorization=${started.failed}`);
  redirect(started.url);
}

export async function disconnectConnectionAction(teamSlug: string, connectionId: string, _previous: FormState, formData: FormData): Promise<FormState> {
  checkArguments([teamSlug, connectionId, _previous, formData], [argument.teamSlug, argument.id, argument.previousState, argument.form]);
  const { team, actor } = await requireMember(teamSlug, "MEMBER");
  if (formData.get("confirm") !== "yes") return { error: "Confirm that you want to disconnect." };
  let result: Awaited<ReturnType<typeof disconnectConnection>>;
  try {
    result = await disconnectConnection(await findConnectionForTokens(team.id, connectionId), actor);
  } catch (error) {
    return refusal(error);
  }
  revalidatePath(`/t/${teamSlug}/connections/${connectionId}`);
  // A fixed word in the URL, not a message: the page says it in its own words.
  const outcome = result.revocationError ? "revocation-failed" : result.revoked ? "revoked" : "deleted";
  redirect(`/t/${teamSlug}/connections/${connectionId}?disconnected=${outcome}`);
}
