import { z } from "zod";
import { assertionKeyPemSchema, serviceAccountKeySchema } from "../oauth/schemas";
import type { SecretSlot } from "./secret-slots";

// The connect link's secret form's schema, apart from ./secret-slots (which
// reads stored settings with server-only code) so the link's page can check
// the form in the browser with it too.

/** Slots whose value the connection form parses with a schema of its own: the link parses it with that same schema. */
const FORM_FIELD_SCHEMA: Record<string, z.ZodType<string, string>> = {
  serviceAccountKey: serviceAccountKeySchema,
  assertionKeyPem: assertionKeyPemSchema,
  clientPrivateKeyPem: assertionKeyPemSchema,
};

/** The one schema of the link's secret form (server and page): every slot, typed, at most 64 KB, and what the connection form asks of the same field. */
export function secretSlotsSchema(slots: SecretSlot[]) {
  return z.object(
    Object.fromEntries(
      slots.map((slot) => {
        const typed = z.string({ error: `Fill in “${slot.label}”.` }).min(1, `Fill in “${slot.label}”.`).max(65_536, "Use at most 64 KB.");
        const field = FORM_FIELD_SCHEMA[slot.key];
        return [slot.key, field ? typed.pipe(field) : typed];
      }),
    ),
  );
}

