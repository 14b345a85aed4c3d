import { healthAnswer } from "@/lib/ops/health";

// The same answer server.ts gives (lib/ops/health.ts), where Next runs alone (`next start`).
export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const { status, body } = await healthAnswer("/readyz");
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}
