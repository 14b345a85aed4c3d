import { z } from "zod";
import { DEFAULT_TOLERANCE_SECONDS, SIGNATURE_ENCODINGS, SIGNATURE_SCHEMES } from "./limits";
import { text } from "../schemas/text";
import { endpoint } from "../notifications/schemas";

// The signing settings form: one schema for the browser's check and the server action's.

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export const webhookSigningSchema = z
  .object({
    // Empty: keep the saved secret (or stay without one). Never trimmed: a secret is exactly what the sender uses.
    secret: text()
      .max(512, "Use at most 512 characters.")
      .optional()
      .transform((v) => v ?? "")
      .refine((v) => v === "" || v.trim() !== "", "A secret cannot be only spaces."),
    // A checkbox: present when the saved secret should be removed.
    clearSecret: text()
      .optional()
      .transform((v) => v === "on" || v === "true" || v === "1"),
    signatureHeader: text()
      .trim()
      .min(1, "Name the header the signature comes in.")
      .max(100, "Use at most 100 characters.")
      .regex(HEADER_NAME, "Use a header name: letters, digits and - only, no spaces or colon."),
    encoding: z.enum(SIGNATURE_ENCODINGS, { error: "Choose hex or base64." }),
    // Absent (older clients, the API): the custom HMAC, as before presets existed.
    scheme: z.enum(SIGNATURE_SCHEMES, { error: "Choose how the sender signs." }).default("custom"),
    toleranceSeconds: z.preprocess(
      (v) => (v === undefined || v === "" ? DEFAULT_TOLERANCE_SECONDS : typeof v === "string" ? Number(v.trim()) : v),
      z
        .number({ error: "Enter a number of seconds." })
        .int("Enter a whole number of seconds.")
        .min(10, "Allow at least 10 seconds: clocks differ a little.")
        .max(86_400, "Use at most 86,400 seconds (a day)."),
    ),
    prefix: text()
      .optional()
      .transform((v) => (v ?? "").trim())
      .pipe(text().max(40, "Use at most 40 characters.").regex(/^[\x21-\x7e]*$/, "Use printable characters without spaces, or leave it empty.")),
  })
  .superRefine((value, context) => {
    if (value.scheme === "standard" && value.secret !== "" && !/^whsec_[A-Za-z0-9+/=]{16,}$/.test(value.secret)) {
      context.addIssue({ code: "custom", path: ["secret"], message: "A Standard Webhooks secret starts with whsec_ followed by base64, as the sender shows it." });
    }
    if (value.clearSecret && value.secret !== "") {
      context.addIssue({ code: "custom", path: ["secret"], message: "Either type a new secret or remove the saved one, not both." });
    }
  });

export type WebhookSigningInput = z.infer<typeof webhookSigningSchema>;
/** What updateWebhookSigning takes: without a scheme, the custom HMAC with the default window. */
export type WebhookSigningUpdate = Omit<WebhookSigningInput, "scheme" | "toleranceSeconds"> & Partial<Pick<WebhookSigningInput, "scheme" | "toleranceSeconds">>;

/** A receiver's forward URL (lib/webhooks/forward.ts): empty to stop forwarding. */
export const webhookForwardSchema = z.object({ url: endpoint() });
export type WebhookForwardInput = z.infer<typeof webhookForwardSchema>;
