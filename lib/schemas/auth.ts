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

export const passwordSchema = text()
  .min(10, "Use at least 10 characters.")
  .max(200, "Use at most 200 characters.");

export const signUpSchema = z.object({
  name: text().trim().min(1, "Enter your name.").max(80, "Use at most 80 characters."),
  email: emailSchema,
  password: passwordSchema,
});

export type SignInInput = z.infer<typeof signInSchema>;
export type SignUpInput = z.infer<typeof signUpSchema>;
