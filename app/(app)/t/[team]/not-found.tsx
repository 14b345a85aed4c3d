import { StatusPage } from "@/components/status-page";

// Inside the team's shell: a stale link to a deleted connection should leave the team's navigation at hand.
export default function TeamNotFound() {
  return (
    <StatusPage label="404" title="Nothing here" inShell>
      <p>This page does not exist in this team: it may have been deleted, or the link is mistyped.</p>
      <p>Pick a page from the menu, or go back to your teams.</p>
    </StatusPage>
  );
}
