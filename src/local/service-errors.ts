/** The AWS Step Functions API error codes the local service throws (the API server sends them as `__type`). */
export type StepFunctionsErrorCode =
  | 'InvalidArn'
  | 'InvalidDefinition'
  | 'InvalidExecutionInput'
  | 'InvalidLoggingConfiguration'
  | 'InvalidTracingConfiguration'
  | 'InvalidEncryptionConfiguration'
  | 'TooManyTags'
  | 'ResourceNotFound'
  | 'MissingRequiredParameter'
  | 'InvalidName'
  | 'ExecutionDoesNotExist'
  | 'StateMachineDoesNotExist'
  | 'StateMachineAlreadyExists'
  | 'StateMachineDeleting'
  | 'ExecutionAlreadyExists'
  | 'InvalidToken'
  | 'TaskTimedOut'
  | 'ValidationException'
  | 'InvalidOutput'
  | 'ExecutionLimitExceeded'
  | 'ExecutionNotRedrivable'
  | 'ActivityDoesNotExist'
  | 'ActivityWorkerLimitExceeded'
  | 'StateMachineTypeNotSupported'
  | 'ConflictException'
  | 'ServiceQuotaExceededException';

/**
 * A Step Functions API call was refused; `code` is the AWS error code, `message` says which field and why.
 *
 * @example
 * throw new StepFunctionsApiError('InvalidName', "name must be 1-80 characters (got '')");
 */
export class StepFunctionsApiError extends Error {
  constructor(
    readonly code: StepFunctionsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StepFunctionsApiError';
  }
}

/** AWS's refusal of an operation it does not serve for the state machine's type (STANDARD or EXPRESS). */
export function stateMachineTypeNotSupported(): StepFunctionsApiError {
  return new StepFunctionsApiError(
    'StateMachineTypeNotSupported',
    'This operation is not supported by this type of state machine',
  );
}
