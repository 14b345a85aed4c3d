import { z } from "zod";
import { SIGNATURE_ENCODINGS } from "./limits";
import { text } from "../schemas/text";

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
    prefix: text()
      .optional()
      .transform((v) => (v ?? "").trim())
      .pipe(text().max(40, "Use at most 40 characters.").regex(/^[\x21-\x7e]*$/, "Use printable characters without spaces, or leave it empty.")),
  })
  .superRefine((value, context) => {
    if (value.clearSecret && value.secret !== "") {
      context.addIssue({ code: "custom", path: ["secret"], message: "Either type a new secret or remove the saved one, not both." });
    }
  });

export type WebhookSigningInput = z.infer<typeof webhookSigningSchema>;
