import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Alert, Card } from "@/components/ui";
import { SubmitButton } from "@/components/form";
import { oidcConfig } from "@/lib/config";
import { currentUser } from "@/lib/auth/session";
import { safeCallbackPath } from "@/lib/safe-redirect";
import { singleSignOnAction } from "../actions";
import { SignInForm } from "./signin-form";

export const metadata: Metadata = { title: "Sign in" };

// Auth.js sends errors of the single sign-on flow back here as ?error=<type>.
const SSO_ERRORS: Record<string, string> = {
  OidcRefused: "Single sign-on did not confirm your email address, or this account is disabled. Ask your administrator.",
  AccessDenied: "Single sign-on was refused.",
  OAuthCallbackError: "Single sign-on failed. Try again.",
  Configuration: "Single sign-on is misconfigured on this Keyway. Ask your administrator.",
};

export default async function SignInPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackPath(params.callbackUrl);
  if (await currentUser()) redirect(callbackUrl);
  const sso = oidcConfig();
  const errorKey = typeof params.error === "string" ? params.error : undefined;
  const notice = errorKey ? (SSO_ERRORS[errorKey] ?? (errorKey === "CredentialsSignin" ? "Email or password is incorrect." : "Sign-in failed. Try again.")) : undefined;
  return (
    <Card>
      <h1 className="mb-1 text-xl font-semibold text-slate-900">Sign in to Keyway</h1>
      <p className="mb-5 text-sm text-slate-600">Use your email and password{sso ? ", or your organisation's single sign-on" : ""}.</p>
      {params.reset === "1" ? (
        <div className="mb-4">
          <Alert tone="green">Your new password is set. Sign in with it.</Alert>
        </div>
      ) : null}
      {sso ? (
        <>
          <form action={singleSignOnAction}>
            <input type="hidden" name="callbackUrl" value={callbackUrl} />
            <SubmitButton variant="secondary" className="w-full" pendingText="Redirecting…">
              Continue with {sso.name}
            </SubmitButton>
          </form>
          <div className="my-5 flex items-center gap-3 text-xs text-slate-600" aria-hidden="true">
            <span className="h-px flex-1 bg-slate-200" />
            or
            <span className="h-px flex-1 bg-slate-200" />
          </div>
        </>
      ) : null}
      <SignInForm callbackUrl={callbackUrl} notice={notice} />
    </Card>
  );
}
