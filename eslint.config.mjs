// Next's own rules (React, hooks, accessibility, Core Web Vitals) and
// typescript-eslint's recommended set, from eslint-config-next's flat exports.
import { defineConfig, globalIgnores } from "eslint/config";
import nextCoreWebVitals from "eslint-config-next/core-web-vitals";
import nextTypescript from "eslint-config-next/typescript";

export default defineConfig([
  ...nextCoreWebVitals,
  ...nextTypescript,
  {
    // A leading underscore marks a parameter a signature requires but the body
    // does not use (e.g. useActionState's previous state).
    rules: {
      "@typescript-eslint/no-unused-vars": ["warn", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  // Generated or produced by tools: not ours to lint.
  globalIgnores([
    "lib/generated/**",
    ".next/**",
    ".data/**",
    "test-results/**",
    "playwright-report/**",
    "blob-report/**",
    "coverage/**",
    "next-env.d.ts",
  ]),
]);
