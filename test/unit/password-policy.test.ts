import { describe, expect, it } from "vitest";
// Loading the hashing module arms the schema with the common-password list, as on the server.
import "@/lib/auth/password";
import { changePasswordSchema, passwordSchema, resetPasswordSchema, signUpSchema } from "@/lib/schemas/auth";

describe("the password rule (sign-up, change, reset)", () => {
  it("needs 12 characters (ASVS 2.1.1)", () => {
    expect(passwordSchema.safeParse("elevenchars").error?.issues[0]?.message).toBe("Use at least 12 characters.");
    expect(passwordSchema.safeParse("twelve chars").success).toBe(true);
  });

  it("refuses the most common passwords, whatever their case", () => {
    for (const common of ["qwerty123456", "password1234", "1qaz2wsx3edc", "QWERTY123456"]) {
      const result = passwordSchema.safeParse(common);
      expect(result.success, common).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/most common passwords/);
    }
    expect(passwordSchema.safeParse("correct horse battery staple").success).toBe(true);
  });

  it("is the one rule behind sign-up, change and reset", () => {
    expect(signUpSchema.safeParse({ name: "A", email: "a@example.test", password: "qwerty123456" }).error?.issues[0]?.path).toEqual(["password"]);
    expect(changePasswordSchema.safeParse({ currentPassword: "x", newPassword: "qwerty123456" }).error?.issues[0]?.path).toEqual(["newPassword"]);
    expect(resetPasswordSchema.safeParse({ token: "a".repeat(43), newPassword: "qwerty123456" }).error?.issues[0]?.path).toEqual(["newPassword"]);
  });
});
