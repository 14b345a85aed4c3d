/** A refusal the user can act on; routes turn it into a message or a status, never a 500. */
export class DomainError extends Error {
  constructor(
    message: string,
    readonly status: 400 | 403 | 404 | 409 | 410 | 429 = 400,
    readonly field?: string,
  ) {
    super(message);
    this.name = "DomainError";
  }
}
