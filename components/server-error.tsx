"use client";

import { buttonStyles } from "./ui";
import { ErrorReference, StatusPage } from "./status-page";

/**
 * The body of app/error.tsx, the team pages' error.tsx and app/global-error.tsx.
 * In production Next sends the browser no message of a server error (it may
 * hold secrets), only its digest, which the server logs next to the error.
 */
export function ServerError({ error, retry, inShell = false }: { error: unknown; retry: () => void; inShell?: boolean }) {
  const digest = error instanceof Error && "digest" in error && typeof error.digest === "string" ? error.digest : undefined;
  return (
    <StatusPage
      label="Error"
      tone="red"
      title="Something went wrong on Keyway's side"
      inShell={inShell}
      actions={
        <button type="button" className={buttonStyles.primary} onClick={() => retry()}>
          Try again
        </button>
      }
    >
      <p>Keyway could not finish this page or action. If you were saving something, check whether it was saved before you enter it again.</p>
      {digest ? (
        <>
          <p>Try again. If it keeps failing, tell whoever runs this Keyway and quote this reference: their server log has the error under it.</p>
          <ErrorReference digest={digest} />
        </>
      ) : (
        <p>Try again, or reload the page. If it keeps failing, tell whoever runs this Keyway what you did just before.</p>
      )}
    </StatusPage>
  );
}
