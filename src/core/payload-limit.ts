/** Step Functions' payload limit (execution input, state output, task results): 256 KiB. */
export const PAYLOAD_LIMIT_BYTES = 256 * 1024;

/**
 * Whether `text` takes more than `limit` bytes in UTF-8 (by default {@link PAYLOAD_LIMIT_BYTES}); counted
 * only when it may (a UTF-16 unit takes at most 3 bytes).
 */
export function exceedsPayloadLimit(text: string, limit = PAYLOAD_LIMIT_BYTES): boolean {
  return text.length * 3 > limit && Buffer.byteLength(text) > limit;
}

/**
 * Why `input` (a request as JSON) cannot start an execution: more than Step Functions' 262,144 bytes of
 * input in UTF-8, said for a message that names where it came from first; `undefined` when it fits.
 *
 * @example
 * const tooLarge = oversizedInputReason(JSON.stringify(request));
 * // "an execution's input must be at most 262,144 bytes (got 300,431)"
 */
export function oversizedInputReason(input: string): string | undefined {
  if (!exceedsPayloadLimit(input)) return undefined;
  const [limit, size] = [PAYLOAD_LIMIT_BYTES, Buffer.byteLength(input)].map((n) => n.toLocaleString('en-US'));
  return `an execution's input must be at most ${limit} bytes (got ${size})`;
}

/**
 * The most a release request may take as JSON in UTF-8: a quarter of {@link PAYLOAD_LIMIT_BYTES}. A release
 * carries its request from state to state beside what its steps add (the request normalized, its steps
 * expanded, the lock, the analyses), and a state past the payload limit would fail
 * `States.DataLimitExceeded` with the service locked.
 */
export const REQUEST_LIMIT_BYTES = 64 * 1024;

/**
 * Why a release `request` (as parsed) is too large to run (see {@link REQUEST_LIMIT_BYTES}), as a line of a
 * `ValidationError`; `undefined` when it fits, or when it nests too deep to serialize (its schema refuses
 * such a value: it is no request).
 *
 * @example
 * oversizedRequestReason(request);
 * // "request: must be at most 65,536 bytes as JSON (got 261,944): ..."
 */
export function oversizedRequestReason(request: unknown): string | undefined {
  let json: string;
  try {
    json = JSON.stringify(request) ?? '';
  } catch (error) {
    if (error instanceof RangeError) return undefined;
    throw error;
  }
  if (!exceedsPayloadLimit(json, REQUEST_LIMIT_BYTES)) return undefined;
  const [limit, size] = [REQUEST_LIMIT_BYTES, Buffer.byteLength(json)].map((n) => n.toLocaleString('en-US'));
  return (
    `request: must be at most ${limit} bytes as JSON (got ${size}): a release carries it from state to state, ` +
    "within Step Functions' 262,144 bytes"
  );
}
