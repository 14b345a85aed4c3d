import Link from "next/link";
import { ThemeSwitch } from "@/components/theme-switch";
import { Logo } from "@/components/ui";

export default function AuthLayout({ children }: { children: React.ReactNode }) {
  return (
    <div className="flex min-h-dvh flex-col items-center justify-center px-4 py-10">
      <Link href="/" className="mb-8" aria-label="Keyway home">
        <Logo className="text-xl" />
      </Link>
      <main className="w-full max-w-sm">{children}</main>
      <p className="mt-8 max-w-sm text-center text-xs text-slate-600">
        Keyway keeps your team&apos;s API connections, OAuth clients and tokens in one place, on your own server.
      </p>
      <ThemeSwitch className="mt-4" />
    </div>
  );
}
