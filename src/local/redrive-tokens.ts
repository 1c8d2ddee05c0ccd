/**
 * RedriveExecution's `clientToken`: a redrive asked again with a token that redrove the execution is
 * answered with that redrive's date, as AWS answers the last 10 tokens of an execution for 15 minutes.
 * The tokens are stored with the execution, in the transaction of its redrive, so an SDK retrying a
 * redrive whose answer a crash lost is answered too, not refused or redriven twice.
 */

/** How long a token is answered again after its redrive, as on AWS. */
export const REDRIVE_TOKEN_LIFETIME_MS = 15 * 60 * 1000;
/** How many of an execution's latest tokens are answered again, as on AWS. */
export const REDRIVE_TOKENS_KEPT = 10;

/** A `clientToken` that redrove an execution, and when. */
export interface RedriveToken {
  token: string;
  redriveDate: number;
}

/**
 * The date of the redrive that `token` made, among an execution's stored `tokens`, if it is still
 * answered at `now`.
 *
 * @example
 * answeredRedrive([{ token: 'retry-1', redriveDate }], 'retry-1', now); // redriveDate, for 15 minutes
 */
export function answeredRedrive(
  tokens: readonly RedriveToken[],
  token: string,
  now: number,
): number | undefined {
  const used = tokens.find((entry) => entry.token === token);
  return used && now - used.redriveDate <= REDRIVE_TOKEN_LIFETIME_MS ? used.redriveDate : undefined;
}

/** An execution's stored `tokens` once `token` redrove it at `redriveDate`: its last 10. */
export function withRedriveToken(
  tokens: readonly RedriveToken[],
  token: string,
  redriveDate: number,
): RedriveToken[] {
  return [...tokens, { token, redriveDate }].slice(-REDRIVE_TOKENS_KEPT);
}
