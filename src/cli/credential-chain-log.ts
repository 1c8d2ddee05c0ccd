import type { Logger } from '@smithy/types';

/** How the default credential chain says which provider it tries next (`fromIni`: the profile's). */
const TRYING = '@aws-sdk/credential-provider-node - defaultProvider::';
/** How a credential provider says why it failed. */
const FAILED = '@smithy/property-provider -> ';
/** How the credential providers' warnings start: the SDK prints them on stderr when a client has no logger. */
const CREDENTIAL_WARNING = '@aws-sdk/credential-provider';

/**
 * A client `logger` that keeps why the profile's credentials (`AWS_PROFILE`) could not be loaded: the
 * default chain then fails with only `Could not load credentials from any providers`. It prints the
 * credential providers' warnings, as the SDK does without a logger, and nothing else.
 *
 * @example
 * const sfn = new SFNClient({ logger: new CredentialChainLog() });
 */
export class CredentialChainLog implements Logger {
  #provider: string | undefined;
  #profileFailure: string | undefined;

  debug(line: unknown): void {
    if (typeof line !== 'string') return;
    if (line.startsWith(TRYING)) {
      this.#provider = line.slice(TRYING.length);
      if (this.#provider === 'fromIni') this.#profileFailure = undefined;
    } else if (line.startsWith(FAILED) && this.#provider === 'fromIni') {
      // The first failure is the innermost: what the profile lacks.
      this.#profileFailure ??= line.slice(FAILED.length);
    }
  }

  info(..._content: unknown[]): void {}

  warn(...content: unknown[]): void {
    if (String(content[0]).startsWith(CREDENTIAL_WARNING)) console.warn(...content);
  }

  error(..._content: unknown[]): void {}

  /** Why the chain's last try of the profile failed (`Could not resolve credentials using profile: [nope] ...`). */
  get profileFailure(): string | undefined {
    return this.#profileFailure;
  }
}
