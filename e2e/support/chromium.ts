import { existsSync } from "node:fs";
import { chromium, devices, type Project } from "@playwright/test";
export { TIME_SCALE } from "../../test/support/time-scale";

// Playwright's own Chromium when `npx playwright install` has put it in place;
// otherwise the distribution's (Debian: apt-get install chromium), which is all
// a machine without internet access can have.
function chromiumExecutable(): string | undefined {
  if (process.env.KEYWAY_CHROMIUM) return process.env.KEYWAY_CHROMIUM;
  let bundled = "";
  try {
    bundled = chromium.executablePath();
  } catch {
    // No browser registry entry: fall through to the system browser.
  }
  return bundled && existsSync(bundled) ? undefined : "/usr/bin/chromium";
}

/** The one browser every Playwright configuration of this repository runs. */
export const chromiumProject: Project = {
  name: "chromium",
  use: {
    ...devices["Desktop Chrome"],
    launchOptions: {
      executablePath: chromiumExecutable(),
      // We run as root in CI containers, where Chromium's sandbox cannot start;
      // the rest keeps a distribution build from reaching for the network.
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
};
