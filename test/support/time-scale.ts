/**
 * How much slower than a quiet developer machine this one may be: the test
 * suites' time-outs (Vitest's, Playwright's) are multiplied by it, so a loaded
 * two-core machine is slower, not failing. KEYWAY_TEST_TIME_SCALE sets it
 * (e.g. 3 on a busy machine); under CI it defaults to 2, otherwise 1.
 */
export const TIME_SCALE = Math.max(1, Number(process.env.KEYWAY_TEST_TIME_SCALE) || (process.env.CI ? 2 : 1));
