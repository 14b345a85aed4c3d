/**
 * An email address no other test (nor an earlier run against the same
 * database) has used: the browser tests share one database and sign-up
 * refuses a taken address.
 *
 *   uniqueEmail("ada") // "ada-m3k9x2-1a2b3c@example.test"
 */
export function uniqueEmail(prefix: string): string {
  const random = Math.random().toString(36).slice(2, 8);
  return `${prefix}-${Date.now().toString(36)}-${random}@example.test`;
}
