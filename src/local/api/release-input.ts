import { exceedsPayloadLimit, PAYLOAD_LIMIT_BYTES } from '#local/asl/state-run.ts';

/**
 * Why `input` (a release request as JSON) cannot start an execution: more than Step Functions' 262,144
 * bytes of input in UTF-8, said for a message that names where it came from first; `undefined` when it fits.
 *
 * @example
 * const tooLarge = oversizedInputReason(JSON.stringify(request));
 * // "a release's input must be at most 262,144 bytes (got 300,431)"
 */
export function oversizedInputReason(input: string): string | undefined {
  if (!exceedsPayloadLimit(input)) return undefined;
  const [limit, size] = [PAYLOAD_LIMIT_BYTES, Buffer.byteLength(input)].map(thousands);
  return `a release's input must be at most ${limit} bytes (got ${size})`;
}

/** `262,144`. */
function thousands(value: number): string {
  return value.toLocaleString('en-US');
}
