import { themeChoice } from "@/lib/theme";
import { ThemeToggle } from "./theme-toggle";

/** The theme toggle, showing the choice the page was rendered with. */
export async function ThemeSwitch({ className }: { className?: string }) {
  return <ThemeToggle initial={await themeChoice()} className={className} />;
}
