import nodemailer from "nodemailer";
import type { Transporter } from "nodemailer";
import { config, publicUrl } from "../config";

// Email over SMTP (KEYWAY_SMTP_URL, read by nodemailer). Without it Keyway
// sends no email: email channels cannot be created and invitations stay links.

export function mailConfigured(): boolean {
  return Boolean(config().KEYWAY_SMTP_URL);
}

export function mailFrom(): string {
  const configured = config().KEYWAY_MAIL_FROM;
  if (configured) return configured;
  return `Keyway <keyway@${new URL(publicUrl()).hostname}>`;
}

const state = globalThis as unknown as { keywayMailTransport?: { url: string; transport: Transporter } };

function transport(): Transporter {
  const url = config().KEYWAY_SMTP_URL;
  if (!url) throw new Error("Email is not configured: set KEYWAY_SMTP_URL.");
  if (state.keywayMailTransport?.url !== url) {
    // Short time-outs: a delivery job that hangs on a dead mail server holds a worker; pg-boss retries it instead.
    state.keywayMailTransport = { url, transport: nodemailer.createTransport(url, { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 }) };
  }
  return state.keywayMailTransport.transport;
}

export type Mail = { to: string[]; subject: string; text: string };

/** Sends one message; throws when the server refuses it (the caller's job is retried). Returns the server's answer. */
export async function sendMail(mail: Mail): Promise<string> {
  const info = await transport().sendMail({ from: mailFrom(), to: mail.to, subject: mail.subject, text: mail.text });
  return String(info.response ?? "");
}
