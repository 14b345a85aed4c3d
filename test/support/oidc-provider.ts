// The test identity and authorization servers run panva's oidc-provider on
// whatever Node.js runs the tests. It warns "Unsupported runtime" at import on
// any Node.js that is not an LTS release line of 22 or later, which includes
// Node 20 and the not-yet-LTS newest line that CI also runs: a production
// support statement about the library, which these test servers are not, and
// which nobody running the tests can act on. Only that one line is dropped.
const UNSUPPORTED_RUNTIME = "oidc-provider WARNING: Unsupported runtime";

/** `import(specifier)` of an oidc-provider module, without its runtime warning. */
export async function importOidcProvider<T>(specifier: string): Promise<T> {
  const warn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].includes(UNSUPPORTED_RUNTIME)) return;
    warn(...args);
  };
  try {
    return (await import(specifier)) as T;
  } finally {
    console.warn = warn;
  }
}
