/**
 * The range of a Java `int`, the 32-bit integer AWS's runtime and API model use for counts and durations
 * (`MaxConcurrency`, `States.MathAdd`'s operands, a retry's backoff in seconds).
 */
export const JAVA_INT_MIN = -2_147_483_648;
export const JAVA_INT_MAX = 2_147_483_647;
