// Paths a caller appends to a connection's base URL (proxy, test requests).
// The URL parser resolves "." and ".." only as it spells them; the API behind
// may decode %2F, read "\" as "/" or drop ";…" from a segment (Tomcat,
// Jetty) and so serve a path above the base path. A path that any of these
// readings would turn into a dot segment is refused, never normalised.

/** Why a path (still percent-encoded, as the caller sent it) is refused, or null when it is fine. */
export function pathTrick(path: string): string | null {
  for (const segment of path.split("/")) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return "The path has a malformed percent-encoding.";
    }
    if (decoded.includes("\0")) return "The path contains a NUL character.";
    if (decoded.includes("\\")) return "The path contains a backslash, which some servers read as “/”.";
    // A segment, once decoded, may itself hold slashes; with ";" everything after it is dropped by some servers.
    for (const piece of decoded.split("/")) {
      const name = piece.split(";")[0];
      if (name === "." || name === "..") return "The path contains a “.” or “..” segment (spelled out, percent-encoded or with “;”).";
    }
  }
  return null;
}

/** A run's URL as a path under the connection's base URL ("/users?limit=1"); whole when it is elsewhere (the base URL changed since, or a redirect). */
export function pathUnderBase(url: string, baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, "");
  if (url === base) return "/";
  if (url.startsWith(base) && /^[/?#]/.test(url.slice(base.length))) return url.slice(base.length);
  return url;
}
