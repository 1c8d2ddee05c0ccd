import type { LambdaRegistry } from '../../lambda-registry.ts';
import { STATES_ERRORS, StatesError } from '../errors.ts';
import { deeperThan, MAX_JSON_DEPTH } from '../expressions/json-values.ts';
import { copyJson } from '../jsonpath.ts';

/**
 * Invokes an in-process Lambda function with a copy of `payload`, and answers a copy of its result (the
 * interpreter never changes a value in place, and relies on task code not to). A thrown error becomes a
 * StatesError named after the error (`error.name`) with Lambda's cause JSON
 * `{ errorMessage, errorType, stackTrace }`; `Lambda.ResourceNotFoundException` for an unknown function; a
 * result nested deeper than {@link MAX_JSON_DEPTH} levels fails with `States.Runtime`.
 */
export async function invokeLambda(
  lambdas: LambdaRegistry,
  functionName: string,
  payload: unknown,
  context: { executionArn: string; taskToken?: string },
): Promise<unknown> {
  try {
    // Copies both ways: a function may change its event, or keep and later change what it returned.
    const result = await lambdas.invoke(functionName, copyJson(payload), context);
    if (result === undefined) return null;
    refuseDeepResult(result, functionName);
    return copyJson(result);
  } catch (thrown) {
    throw lambdaError(thrown);
  }
}

/**
 * Refuses a function's result nested deeper than the runtime takes (`States.Runtime`): the interpreter copies
 * and serializes values recursively, so a much deeper one would overflow the stack.
 */
function refuseDeepResult(result: unknown, functionName: string): void {
  const at = deeperThan(result, MAX_JSON_DEPTH);
  if (at === undefined) return;
  throw new StatesError(
    STATES_ERRORS.Runtime,
    `the result of ${functionName} nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep, the nesting depth limit of the local runtime (at ${at.length > 60 ? `${at.slice(0, 60)}...` : at})`,
  );
}

/** A Lambda function's thrown value as the StatesError Step Functions reports. */
export function lambdaError(thrown: unknown): StatesError {
  if (thrown instanceof StatesError) return thrown;
  if (thrown instanceof Error && thrown.name === 'Lambda.ResourceNotFoundException') {
    return new StatesError(thrown.name, thrown.message, { cause: thrown });
  }
  const errorType = thrown instanceof Error ? thrown.name || 'Error' : 'Error';
  const errorMessage = thrown instanceof Error ? thrown.message : String(thrown);
  const stackTrace =
    thrown instanceof Error && thrown.stack
      ? thrown.stack
          .split('\n')
          .slice(1)
          .map((line) => line.trim())
      : [];
  return new StatesError(errorType, JSON.stringify({ errorMessage, errorType, stackTrace }), {
    cause: thrown,
  });
}

/** The `lambda:invoke` integration's result: Lambda's Invoke response around the function's result. */
export function lambdaInvokeResponse(payload: unknown): Record<string, unknown> {
  return {
    ExecutedVersion: '$LATEST',
    Payload: payload,
    SdkHttpMetadata: { HttpStatusCode: 200 },
    StatusCode: 200,
  };
}
