import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { rebuildReason, writeBuildStamp } from "../../scripts/build-stamp";

// `npm start` serves .next only while its stamp matches the code (issue 13 §3).

let root: string;
afterEach(() => rmSync(root, { recursive: true, force: true }));

function checkout() {
  root = mkdtempSync(path.join(tmpdir(), "keyway-stamp-"));
  const write = (file: string, content: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  };
  write("app/page.tsx", "export default function Page() { return null; }\n");
  write("package-lock.json", '{"lockfileVersion":3}\n');
  write("next.config.js", "export default {};\n");
  return write;
}

function build() {
  mkdirSync(path.join(root, ".next"), { recursive: true });
  writeFileSync(path.join(root, ".next", "BUILD_ID"), "b1");
  writeBuildStamp(root);
}

describe("build stamp", () => {
  it("asks for a build when there is none, or when the build does not record its code", () => {
    checkout();
    expect(rebuildReason(root)).toMatch(/No production build/);
    mkdirSync(path.join(root, ".next"));
    writeFileSync(path.join(root, ".next", "BUILD_ID"), "b1");
    expect(rebuildReason(root)).toMatch(/does not record which code/);
  });

  it("keeps a build whose inputs only changed their time, or where tests, scripts and docs changed", () => {
    const write = checkout();
    build();
    utimesSync(path.join(root, "app/page.tsx"), new Date(), new Date(Date.now() + 60_000));
    write("test/unit/new.test.ts", "it('x', () => {});\n");
    write("scripts/tool.ts", "console.log(1);\n");
    write("README.md", "# changed\n");
    write(".data/auth-secret", "s\n");
    expect(rebuildReason(root)).toBeUndefined();
  });

  it("rebuilds when sources, the lockfile or the Next config change, naming the lockfile and config first", () => {
    const write = checkout();
    build();
    write("app/page.tsx", "export default function Page() { return 1; }\n");
    write("next.config.js", "export default { poweredByHeader: false };\n");
    write("package-lock.json", '{"lockfileVersion":3,"packages":{}}\n');
    write("lib/new.ts", "export {};\n");
    expect(rebuildReason(root)).toBe("The code changed since the build in .next was made (package-lock.json, next.config.js, app/page.tsx and 1 more)");
  });

  it("notices a deleted source", () => {
    checkout();
    build();
    rmSync(path.join(root, "app/page.tsx"));
    expect(rebuildReason(root)).toMatch(/\(app\/page\.tsx\)/);
  });
});
