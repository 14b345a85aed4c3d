import { z } from "zod";
import { text } from "./text";

// Shared by the forms (checked in the browser before sending) and the server
// actions (checked again: the browser is never trusted).
export const emailSchema = text()
  .trim()
  .min(1, "Enter your email address.")
  .max(254, "That email address is too long.")
  .pipe(z.email("Enter a valid email address, like name@example.com."))
  .transform((email) => email.toLowerCase());

export const signInSchema = z.object({
  email: emailSchema,
  password: text().min(1, "Enter your password.").max(200, "That password is too long."),
});

export const PASSWORD_MIN_LENGTH = 12; // OWASP ASVS 2.1.1

/**
 * The common-password list is 200 KB compressed, too much to send to every
 * sign-up form: the server registers it (lib/auth/common-passwords.ts, loaded
 * with lib/auth/password.ts, which every path that sets a password uses). In
 * the browser the rule is skipped and the server's answer carries the message.
 */
export const commonPasswords: { isCommon?: (password: string) => boolean } = {};

/** Every new password (sign-up, change, reset) passes this one rule. */
export const passwordSchema = text()
  .min(PASSWORD_MIN_LENGTH, `Use at least ${PASSWORD_MIN_LENGTH} characters.`)
  .max(200, "Use at most 200 characters.")
  .refine((password) => !commonPasswords.isCommon?.(password), "This is one of the most common passwords, the first an attacker tries. Choose another.");

export const signUpSchema = z.object({
  name: text().trim().min(1, "Enter your name.").max(80, "Use at most 80 characters."),
  email: emailSchema,
  password: passwordSchema,
});

export const changePasswordSchema = z.object({
  currentPassword: z.string().min(1, "Enter your current password.").max(200, "That password is too long."),
  newPassword: passwordSchema,
});

export const resetPasswordSchema = z.object({
  token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/, "This reset link is not valid."),
  newPassword: passwordSchema,
});

export type SignInInput = z.infer<typeof signInSchema>;
export type SignUpInput = z.infer<typeof signUpSchema>;
