import { fileURLToPath } from "node:url";
import madge from "madge";
import { expect, test } from "vitest";

// lib's modules must not import each other in a circle: a cycle makes load
// order decide which module sees the other's exports as undefined, and it
// ties parts together that should only meet at a neutral one (change
// notifications live in lib/db/notifications.ts for that reason). Prisma's
// generated client is not ours and is left out.
const root = fileURLToPath(new URL("../..", import.meta.url));

test("no module of lib imports in a circle", { timeout: 180_000 }, async () => {
  const graph = await madge(`${root}lib`, {
    baseDir: root,
    fileExtensions: ["ts", "tsx"],
    tsConfig: `${root}tsconfig.json`,
    excludeRegExp: [/^lib\/generated\//],
  });
  const files = Object.keys(graph.obj());
  // A resolver that silently found nothing would pass any code: the graph must hold lib's modules and their edges.
  expect(files).toContain("lib/proxy/index.ts");
  expect(graph.obj()["lib/proxy/index.ts"]).toContain("lib/proxy/targets.ts");
  expect(graph.circular().map((cycle) => cycle.join(" → "))).toEqual([]);
});
