import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Alert, Card } from "@/components/ui";
import { currentUser } from "@/lib/auth/session";
import { config } from "@/lib/config";
import { safeCallbackPath } from "@/lib/safe-redirect";
import { SignUpForm } from "./signup-form";

export const metadata: Metadata = { title: "Create an account" };

export default async function SignUpPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const callbackUrl = typeof params.callbackUrl === "string" ? safeCallbackPath(params.callbackUrl) : undefined;
  if (await currentUser()) redirect(callbackUrl ?? "/");
  return (
    <Card>
      <h1 className="mb-1 text-xl font-semibold text-slate-900">Create your account</h1>
      <p className="mb-5 text-sm text-slate-600">You get a personal team right away; invite colleagues or create more teams later.</p>
      {config().KEYWAY_DISABLE_SIGNUP && !callbackUrl?.startsWith("/invite/") ? (
        <Alert tone="amber">Sign-up is turned off on this Keyway. Ask an admin of your team for an invitation link.</Alert>
      ) : (
        <SignUpForm callbackUrl={callbackUrl} />
      )}
    </Card>
  );
}
