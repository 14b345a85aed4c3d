import type { Metadata } from "next";
import { StatusPage } from "@/components/status-page";

export const metadata: Metadata = { title: "Page not found" };

export default function NotFound() {
  return (
    <main>
      <StatusPage label="404" title="Nothing here">
        <p>This page does not exist, or it belongs to a team you are not a member of.</p>
        <p>Check the address, or ask the person who sent you the link to invite you to their team.</p>
      </StatusPage>
    </main>
  );
}
