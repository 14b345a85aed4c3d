import { db } from "../db";
import { publicUrl } from "../config";
import { decryptSecret, encryptSecret } from "../crypto";
import { defineJob } from "../jobs/engine";
import { log } from "../log";
import { mailConfigured, sendMail } from "./mail";

// Invitations by email, when an operator configured SMTP (KEYWAY_SMTP_URL);
// the link shown once to the admin stays the way in either way. The token is
// a credential: it travels through the job table sealed, bound to the invitation.

function tokenContext(invitationId: string): string {
  return `invitation-mail:${invitationId}`;
}

const invitationMailJob = defineJob<{ invitationId: string; sealedToken: string }>({
  name: "invitation-email",
  queue: { retryLimit: 8, retryDelay: 30, retryBackoff: true, expireInSeconds: 120 },
  handler: async ({ invitationId, sealedToken }) => {
    const invitation = await db.invitation.findUnique({
      where: { id: invitationId },
      select: { email: true, role: true, expiresAt: true, acceptedAt: true, revokedAt: true, team: { select: { name: true } }, createdBy: { select: { name: true, email: true } } },
    });
    // Nothing to send for an invitation that was used, revoked or has run out meanwhile.
    if (!invitation?.email || invitation.acceptedAt || invitation.revokedAt || invitation.expiresAt.getTime() <= Date.now()) return;
    const link = `${publicUrl()}/invite/${decryptSecret(sealedToken, tokenContext(invitationId))}`;
    const inviter = invitation.createdBy.name || invitation.createdBy.email;
    await sendMail({
      to: [invitation.email],
      subject: `${inviter} invited you to ${invitation.team.name} on Keyway`,
      text: [
        `${inviter} (${invitation.createdBy.email}) invited you to join the team ${invitation.team.name} on Keyway as ${invitation.role.toLowerCase()}.`,
        "",
        `Accept: ${link}`,
        "",
        `The link works once, for the account with this email address, until ${invitation.expiresAt.toUTCString()}.`,
        "If you did not expect this, ignore this message.",
      ].join("\n"),
    });
  },
});

/** Queues the invitation's email; false (nothing queued) when email is not configured. */
export async function queueInvitationEmail(invitationId: string, token: string): Promise<boolean> {
  if (!mailConfigured()) return false;
  try {
    await invitationMailJob.send({ invitationId, sealedToken: encryptSecret(token, tokenContext(invitationId)) });
    return true;
  } catch (error) {
    // The link on the page still works; the email is a convenience.
    log.warn({ invitationId, error: error instanceof Error ? error.message : String(error) }, "invitation email not queued");
    return false;
  }
}
