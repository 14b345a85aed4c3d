import Link from "next/link";
import { Logo } from "@/components/ui";

export default function NotFound() {
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center px-4 text-center">
      <Logo className="mb-6 text-xl" />
      <p className="text-sm font-semibold text-brand-700">404</p>
      <h1 className="mt-1 text-2xl font-semibold text-slate-900">Nothing here</h1>
      <p className="mt-2 max-w-md text-sm text-slate-600">This page does not exist, or it belongs to a team you are not a member of.</p>
      <Link href="/" className="mt-6 text-sm font-medium text-brand-700 hover:underline">
        Back to your teams
      </Link>
    </main>
  );
}
