import { publicUrl } from "../config";
import { TEAM_EVENT_LABEL, type TeamEventType } from "./event-types";

// What a person or a program reads about an event: the JSON body of an event
// webhook (Standard Webhooks' {type, timestamp, data} shape), and the text of
// an email or a Slack message. Built from the stored payload only, which
// never holds a secret.

/** The event as stored with each delivery; a test event has type "keyway.test". */
export type EventPayload = {
  id: string;
  type: TeamEventType | "keyway.test";
  occurredAt: string;
  summary: string;
  subject: { kind: string; id: string; name: string };
  detail: Record<string, string | number | boolean | null>;
};

export type TeamRef = { slug: string; name: string };

export function subjectUrl(team: TeamRef, subject: EventPayload["subject"]): string {
  const base = `${publicUrl()}/t/${team.slug}`;
  if (subject.kind === "connection") return `${base}/connections/${subject.id}`;
  if (subject.kind === "oauth_client") return `${base}/clients/${subject.id}`;
  if (subject.kind === "agent") return `${base}/agents`;
  return `${base}/notifications`;
}

export function eventLabel(type: EventPayload["type"]): string {
  return type === "keyway.test" ? "Test event" : TEAM_EVENT_LABEL[type];
}

/** The body posted to an event webhook. */
export function webhookBody(team: TeamRef, event: EventPayload): string {
  return JSON.stringify({
    type: event.type,
    timestamp: event.occurredAt,
    data: {
      id: event.id,
      team: team.slug,
      subject: event.subject,
      summary: event.summary,
      detail: event.detail,
      url: subjectUrl(team, event.subject),
    },
  });
}

function detailLines(event: EventPayload): string[] {
  return Object.entries(event.detail)
    .filter(([, value]) => value !== null && value !== "")
    .map(([key, value]) => `${key}: ${String(value)}`);
}

export function mailSubject(team: TeamRef, event: EventPayload): string {
  const summary = event.summary.length > 120 ? `${event.summary.slice(0, 119)}…` : event.summary;
  return `[${team.name}] ${summary}`;
}

export function mailText(team: TeamRef, event: EventPayload): string {
  return [
    event.summary,
    "",
    `${eventLabel(event.type)} (${event.type})`,
    `When: ${new Date(event.occurredAt).toUTCString()}`,
    `Team: ${team.name}`,
    ...detailLines(event),
    "",
    `Open in Keyway: ${subjectUrl(team, event.subject)}`,
    "",
    `You receive this because an admin of ${team.name} added this address to a notification channel: ${publicUrl()}/t/${team.slug}/notifications`,
  ].join("\n");
}

/** Slack's mrkdwn: <, > and & are the only characters it wants escaped. */
function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function slackText(team: TeamRef, event: EventPayload): string {
  const details = detailLines(event).map(slackEscape);
  return [
    `*${slackEscape(event.summary)}*`,
    `${slackEscape(eventLabel(event.type))} · ${slackEscape(team.name)} · ${new Date(event.occurredAt).toUTCString()}`,
    ...details,
    `<${subjectUrl(team, event.subject)}|Open in Keyway>`,
  ].join("\n");
}

/** One message for a day's events, oldest first. */
export function digestText(team: TeamRef, events: EventPayload[], slack: boolean): { subject: string; text: string } {
  const escape = slack ? slackEscape : (text: string) => text;
  const lines = events.map((event) => `• ${new Date(event.occurredAt).toISOString().slice(11, 16)} UTC ${escape(event.summary)}${slack ? ` <${subjectUrl(team, event.subject)}|open>` : ` (${subjectUrl(team, event.subject)})`}`);
  const subject = `[${team.name}] ${events.length} event${events.length === 1 ? "" : "s"} today`;
  return { subject, text: [slack ? `*${escape(subject)}*` : subject, "", ...lines].join("\n") };
}
