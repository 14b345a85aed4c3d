import { describe, expect, it } from "vitest";
import { signInSchema, signUpSchema } from "@/lib/schemas/auth";
import { invitationSchema, teamNameSchema } from "@/lib/schemas/teams";
import { safeCallbackPath } from "@/lib/safe-redirect";
import { fieldErrorsOf } from "@/lib/forms";

describe("shared form schemas", () => {
  it("normalises email addresses", () => {
    expect(signInSchema.parse({ email: "  Ada@Example.COM ", password: "x" }).email).toBe("ada@example.com");
  });

  it("names the field of each problem", () => {
    const result = signUpSchema.safeParse({ name: "", email: "nope", password: "short" });
    expect(result.success).toBe(false);
    if (!result.success) {
      expect(Object.keys(fieldErrorsOf(result.error)).sort()).toEqual(["email", "name", "password"]);
    }
  });

  it("accepts an invitation without email and refuses a bad email or role", () => {
    expect(invitationSchema.parse({ role: "VIEWER", email: "" })).toEqual({ role: "VIEWER", email: undefined });
    expect(invitationSchema.safeParse({ role: "VIEWER", email: "not-an-email" }).success).toBe(false);
    expect(invitationSchema.safeParse({ role: "GOD" }).success).toBe(false);
  });

  it("trims team names and bounds their length", () => {
    expect(teamNameSchema.parse({ name: "  Platform  " }).name).toBe("Platform");
    expect(teamNameSchema.safeParse({ name: "x" }).success).toBe(false);
    expect(teamNameSchema.safeParse({ name: "x".repeat(61) }).success).toBe(false);
  });
});

describe("safeCallbackPath", () => {
  it("keeps same-site paths and refuses everything that could leave the site", () => {
    expect(safeCallbackPath("/t/team/members")).toBe("/t/team/members");
    for (const hostile of ["https://evil.example", "//evil.example", "/\\evil.example", "javascript:alert(1)", "", undefined, 42]) {
      expect(safeCallbackPath(hostile)).toBe("/");
    }
  });
});
