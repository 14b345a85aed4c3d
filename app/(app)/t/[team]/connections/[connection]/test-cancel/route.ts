import { z } from "zod";
import { AccessError, checkMember } from "@/lib/access-rules";
import { currentUser } from "@/lib/auth/session";
import { cancelRun, runTokenSchema } from "@/lib/connections/test-cancel";
import { refuse } from "../events/access";

// Cancel of a running test request. A route rather than a server action:
// Next.js runs a page's server actions one at a time, so a cancel action
// would wait for the very request it is meant to stop. JSON only, which a
// cross-site form cannot send without a CORS preflight that this route does
// not answer; and a run is found by its starter's id and a token only the
// starting page knows.

export const dynamic = "force-dynamic";

const bodySchema = z.object({ runToken: runTokenSchema });

export async function POST(request: Request, { params }: { params: Promise<{ team: string; connection: string }> }): Promise<Response> {
  const { team: slug } = await params;
  if (!/^application\/json\b/i.test(request.headers.get("content-type") ?? "")) return refuse(415, "Send JSON.");
  const user = await currentUser();
  if (!user) return refuse(401, "Sign in to cancel a test request.");
  try {
    await checkMember(user.id, slug, "MEMBER");
  } catch (error) {
    if (error instanceof AccessError) return refuse(error.status === 404 ? 404 : 403, error.status === 404 ? "Not found." : error.message);
    throw error;
  }
  const body = bodySchema.safeParse(await request.json().catch(() => undefined));
  if (!body.success) return refuse(400, body.error.issues[0]?.message ?? "Send { runToken }.");
  await cancelRun(user.id, body.data.runToken);
  return new Response(null, { status: 204, headers: { "Cache-Control": "no-store" } });
}
