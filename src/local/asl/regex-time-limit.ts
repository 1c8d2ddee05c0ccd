import vm from 'node:vm';
import { STATES_ERRORS, StatesError } from './errors.ts';

/** How long the regular expressions (`=~`) of one JSONPath read may run before the read fails. */
export const REGEX_TIME_LIMIT_MS = 1_000;

/** A context of its own, so the time limit can stop what runs in it; `work` is set for each run. */
const context = vm.createContext({ work: undefined as (() => unknown) | undefined });
const RUN_WORK = new vm.Script('work()');

/**
 * Runs `work`, a read of `path` whose filters match a definition's regular expressions, within
 * {@link REGEX_TIME_LIMIT_MS}. JavaScript's backtracking engine takes exponential time on some patterns
 * (`(a+)+$` against `aaa...ab`), which would block every execution and the API; past the limit the read
 * fails with `States.Runtime` instead, naming the path and the limit (a local limit: AWS documents none).
 *
 * @example
 * withinRegexTimeLimit(() => select(parsed, data), "$.items[?(@.id =~ /(a+)+$/)]");
 */
export function withinRegexTimeLimit<T>(work: () => T, path: string): T {
  context.work = work;
  try {
    return RUN_WORK.runInContext(context, { timeout: REGEX_TIME_LIMIT_MS }) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_SCRIPT_EXECUTION_TIMEOUT') throw error;
    throw new StatesError(
      STATES_ERRORS.Runtime,
      `Invalid path '${path}' : its regular expressions ran over ${REGEX_TIME_LIMIT_MS} ms, the local runtime's limit`,
    );
  } finally {
    context.work = undefined;
  }
}
