import { z } from "zod";
import { recordId } from "../schemas/ids";
import { text } from "../schemas/text";
import { TEAM_EVENT_TYPES } from "./event-types";

// The channel form: one schema for the browser's check, the server action's
// and the API's. Which fields matter depends on the kind; the others are ignored.

export const CHANNEL_KINDS = ["EMAIL", "SLACK", "WEBHOOK"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export const CHANNEL_KIND_LABEL: Record<ChannelKind, string> = { EMAIL: "Email", SLACK: "Slack", WEBHOOK: "Event webhook" };

const EMAIL = z.email();

/**
 * An endpoint Keyway posts to: HTTPS, or plain HTTP to this machine's loopback
 * (a receiver under development; outbound safety still refuses loopback unless
 * KEYWAY_OUTBOUND_ALLOW lets it through). Anything else in plain HTTP would carry
 * events, and a Slack URL is itself a credential.
 */
export function endpointProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "Enter a full URL, starting with https://.";
  }
  if (url.username || url.password) return "Leave the user name and password out of the URL.";
  if (url.protocol === "https:") return null;
  const loopback = url.hostname === "localhost" || url.hostname === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (url.protocol === "http:" && loopback) return null;
  return "Use an https:// URL (plain http:// is accepted for localhost only).";
}

/** An optional endpoint field: empty, or a URL endpointProblem accepts (also a webhook receiver's forward URL). */
export const endpoint = () =>
  text()
    .trim()
    .max(2000, "Use at most 2,000 characters.")
    .optional()
    .transform((v) => v ?? "")
    .superRefine((value, context) => {
      if (value === "") return;
      const problem = endpointProblem(value);
      if (problem) context.addIssue({ code: "custom", message: problem });
    });

const checkbox = text()
  .optional()
  .transform((v) => v === "on" || v === "true" || v === "1");

export const channelInputSchema = z
  .object({
    name: text().trim().min(1, "Name the channel, e.g. “On-call email”.").max(80, "Use at most 80 characters."),
    kind: z.enum(CHANNEL_KINDS, { error: "Choose email, Slack or event webhook." }),
    eventTypes: z
      .array(z.enum(TEAM_EVENT_TYPES, { error: "Choose among the listed events." }), { error: "Choose at least one event." })
      .min(1, "Choose at least one event.")
      .transform((types) => [...new Set(types)]),
    digest: z.union([z.boolean(), checkbox]).optional().transform((v) => v === true),
    // Email: addresses separated by commas, spaces or new lines.
    emailTo: text()
      .max(2000, "Use at most 2,000 characters.")
      .optional()
      .transform((v) =>
        (v ?? "")
          .split(/[\s,;]+/)
          .map((a) => a.trim())
          .filter(Boolean),
      ),
    // Slack: the incoming-webhook URL. Write-only: empty on an update keeps the saved one.
    slackUrl: endpoint(),
    // Event webhook: the endpoint.
    url: endpoint(),
  })
  .superRefine((value, context) => {
    if (value.kind === "EMAIL") {
      if (value.emailTo.length === 0) context.addIssue({ code: "custom", path: ["emailTo"], message: "Enter at least one email address." });
      if (value.emailTo.length > 20) context.addIssue({ code: "custom", path: ["emailTo"], message: "Use at most 20 addresses; a mailing list address counts as one." });
      const bad = value.emailTo.find((a) => !EMAIL.safeParse(a).success);
      if (bad) context.addIssue({ code: "custom", path: ["emailTo"], message: `“${bad}” is not an email address.` });
    }
    if (value.kind === "WEBHOOK" && value.url === "") context.addIssue({ code: "custom", path: ["url"], message: "Enter the endpoint's https:// URL." });
    if (value.kind === "WEBHOOK" && value.digest) context.addIssue({ code: "custom", path: ["digest"], message: "Event webhooks get each event as it happens; a digest is for email and Slack." });
  });

export type ChannelInput = z.infer<typeof channelInputSchema>;

export const channelRefSchema = z.object({ channelId: recordId("Choose a channel.") });
export const deliveryRefSchema = z.object({ channelId: recordId("Choose a channel."), deliveryId: recordId("Choose a delivery.") });

/** The form's fields: one checkbox per event type, so "eventTypes" repeats. */
export function channelFormInput(formData: FormData): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of formData.entries()) if (typeof value === "string" && !name.startsWith("$ACTION")) fields[name] = value;
  fields.eventTypes = formData.getAll("eventTypes").filter((value) => typeof value === "string");
  return fields;
}
