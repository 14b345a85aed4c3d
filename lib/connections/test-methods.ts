/** The methods a test request may use; its own module so the browser's test panel can import it without the server code. */
export const TEST_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;
