/**
 * RedriveExecution's `clientToken`: a redrive asked again with a token that redrove the execution is
 * answered with that redrive's date, as AWS answers the last 10 tokens of an execution for 15 minutes.
 */

/** How long a token is answered again after its redrive, as on AWS. */
export const REDRIVE_TOKEN_LIFETIME_MS = 15 * 60 * 1000;
/** How many of an execution's latest tokens are answered again, as on AWS. */
export const REDRIVE_TOKENS_KEPT = 10;

interface UsedToken {
  token: string;
  redriveDate: number;
}

/**
 * The tokens of the redrives made by this process (a restart forgets them).
 *
 * @example
 * const tokens = new RedriveTokens();
 * tokens.record(arn, 'retry-1', redriveDate);
 * tokens.answered(arn, 'retry-1', now); // redriveDate, for 15 minutes
 */
export class RedriveTokens {
  readonly #byExecution = new Map<string, UsedToken[]>();

  /** The date of the redrive of `executionArn` that `token` made, if it is still answered at `now`. */
  answered(executionArn: string, token: string, now: number): number | undefined {
    const used = this.#byExecution.get(executionArn)?.find((entry) => entry.token === token);
    return used && now - used.redriveDate <= REDRIVE_TOKEN_LIFETIME_MS ? used.redriveDate : undefined;
  }

  /** Records that `token` redrove `executionArn` at `redriveDate`. */
  record(executionArn: string, token: string, redriveDate: number): void {
    const used = this.#byExecution.get(executionArn) ?? [];
    used.push({ token, redriveDate });
    this.#byExecution.set(executionArn, used.slice(-REDRIVE_TOKENS_KEPT));
  }
}
