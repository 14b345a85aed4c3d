import type { Metadata } from "next";
import Link from "next/link";
import { Card } from "@/components/ui";
import { findPasswordReset } from "@/lib/auth/account";
import { resetPasswordSchema } from "@/lib/schemas/auth";
import { ResetPasswordForm } from "./reset-form";

export const metadata: Metadata = { title: "Set a new password", referrer: "no-referrer" };

// The link an operator printed with `npm run user:reset-password -- <email>`.
export default async function ResetPasswordPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const wellFormed = resetPasswordSchema.shape.token.safeParse(token).success;
  const reset = wellFormed ? await findPasswordReset(token) : null;
  return (
    <Card>
      <h1 className="mb-1 text-xl font-semibold text-slate-900">{reset ? "Set a new password" : "This reset link no longer works"}</h1>
      {reset ? (
        <>
          <p className="mb-5 text-sm text-slate-600">
            For <span className="font-medium text-slate-800">{reset.email}</span>. Saving it signs out every session of this account.
          </p>
          <ResetPasswordForm token={token} email={reset.email} />
        </>
      ) : (
        <p className="text-sm text-slate-600">
          This reset link has expired or was already used. Ask your Keyway operator for a new one, or{" "}
          <Link href="/signin" className="font-medium text-brand-700 hover:underline">
            sign in
          </Link>
          .
        </p>
      )}
    </Card>
  );
}
