import { RateLimiterRes } from "rate-limiter-flexible";
import { config } from "../config";
import { limiter } from "../auth/rate-limit";
import { ApiProblem } from "./problem";

// A fixed window per API key (KEYWAY_API_MAX_PER_MINUTE requests a minute),
// counted in Postgres by rate-limiter-flexible so every instance shares it.
// Every answer tells where the caller stands, in the IETF draft's fields
// (draft-ietf-httpapi-ratelimit-headers): RateLimit-Policy and RateLimit.

const WINDOW_SECONDS = 60;

export type RateLimitState = { headers: Record<string, string> };

function headersOf(limit: number, remaining: number, msBeforeNext: number): Record<string, string> {
  const reset = Math.max(0, Math.ceil(msBeforeNext / 1000));
  return { "ratelimit-policy": `"per-key";q=${limit};w=${WINDOW_SECONDS}`, ratelimit: `"per-key";r=${Math.max(0, remaining)};t=${reset}` };
}

/** Counts one request of the key; over the limit, a 429 problem with Retry-After. */
export async function takeApiRequest(keyId: string): Promise<RateLimitState> {
  const limit = config().KEYWAY_API_MAX_PER_MINUTE;
  try {
    const taken = await limiter("api_key", limit, WINDOW_SECONDS).consume(keyId);
    return { headers: headersOf(limit, taken.remainingPoints, taken.msBeforeNext) };
  } catch (outcome) {
    if (!(outcome instanceof RateLimiterRes)) throw outcome;
    const headers = headersOf(limit, 0, outcome.msBeforeNext);
    const retryAfter = String(Math.max(1, Math.ceil(outcome.msBeforeNext / 1000)));
    throw new ApiProblem(429, "rate_limited", "Too many requests.", `This API key may make ${limit} requests a minute; try again in ${retryAfter} s.`, undefined, { ...headers, "retry-after": retryAfter });
  }
}
