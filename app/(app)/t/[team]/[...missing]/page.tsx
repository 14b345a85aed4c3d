import { notFound } from "next/navigation";

// Any path under a team that no page serves gets the team's own 404 (inside the shell), not the bare one.
export default function MissingTeamPage(): never {
  notFound();
}
