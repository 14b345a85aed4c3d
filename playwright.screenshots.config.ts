// `npm run screenshots`: the browser-test setup (servers, database, ports) of
// playwright.config.ts, running only e2e/screenshots.shots.ts, which the
// default run leaves out (its *.spec.ts pattern does not match it).
import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

export default defineConfig({ ...base, testMatch: "screenshots.shots.ts", reporter: "list" });
