import { describe, expect, it } from 'vitest';
import { OPERATIONS } from '#local/api/operations.ts';
import { describeValidationIssues } from '#local/api/request-validation.ts';

function messageFor(operation: string, request: Record<string, unknown>): string {
  const result = OPERATIONS[operation]!.request.safeParse(request);
  if (result.success) return 'valid';
  return describeValidationIssues(result.error.issues, request);
}

describe('describeValidationIssues', () => {
  it('names a missing field as AWS does', () => {
    expect(messageFor('StartExecution', {})).toBe(
      "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: Member must not be null",
    );
  });

  it('shows no value of a sensitive field, not even null, as AWS does', () => {
    expect(messageFor('SendTaskSuccess', { taskToken: 't' })).toBe(
      "1 validation error detected: Value at 'output' failed to satisfy constraint: Member must not be null",
    );
  });

  it('names fields of the wrong type, out of range and outside their enum', () => {
    // Act
    const message = messageFor('ListExecutions', { maxResults: 'ten', statusFilter: 'DONE' });
    // Assess
    expect(message).toMatch(/^2 validation errors detected: /);
    expect(message).toContain(
      "Value 'ten' at 'maxResults' failed to satisfy constraint: Member must be of type number",
    );
    expect(message).toContain(
      "Value 'DONE' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [SUCCEEDED, TIMED_OUT, PENDING_REDRIVE, ABORTED, FAILED, RUNNING]",
    );
  });

  it("shows too many alias routes as AWS's model prints them, members in the model's order", () => {
    // Act: members in another order, one missing, one unknown
    const message = messageFor('CreateStateMachineAlias', {
      name: 'prod',
      routingConfiguration: [
        { weight: 50, stateMachineVersionArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:m:1' },
        {
          stateMachineVersionArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:m:2',
          weight: 30,
          x: 1,
        },
        { stateMachineVersionArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:m:3' },
      ],
    });
    // Assess
    expect(message).toContain(
      "Value '[RoutingConfigurationListItem(stateMachineVersionArn=arn:aws:states:us-east-1:000000000000:stateMachine:m:1, weight=50), " +
        'RoutingConfigurationListItem(stateMachineVersionArn=arn:aws:states:us-east-1:000000000000:stateMachine:m:2, weight=30), ' +
        "RoutingConfigurationListItem(stateMachineVersionArn=arn:aws:states:us-east-1:000000000000:stateMachine:m:3, weight=null)]' " +
        "at 'routingConfiguration' failed to satisfy constraint: Member must have length less than or equal to 2",
    );
  });

  it('states length and value limits', () => {
    expect(messageFor('StartExecution', { stateMachineArn: 'a', name: 'x'.repeat(81) })).toContain(
      "'name' failed to satisfy constraint: Member must have length less than or equal to 80",
    );
    expect(messageFor('ListStateMachines', { maxResults: 1001 })).toContain(
      'Member must have value less than or equal to 1000',
    );
    expect(messageFor('ListStateMachines', { maxResults: 1.5 })).toContain('Member must be an integer');
  });

  it('shows a scalar value as AWS does, but not the value of a sensitive field or of an object', () => {
    expect(messageFor('ListStateMachines', { maxResults: 1001 })).toBe(
      "1 validation error detected: Value '1001' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000",
    );
    expect(messageFor('GetExecutionHistory', { executionArn: 'a', reverseOrder: 'yes' })).toContain(
      "Value 'yes' at 'reverseOrder' failed to satisfy constraint",
    );
    expect(messageFor('StopExecution', { executionArn: 'a', error: 'e'.repeat(257) })).toContain(
      "Value at 'error' failed to satisfy constraint: Member must have length less than or equal to 256",
    );
    expect(messageFor('StartExecution', { stateMachineArn: 'a', input: 'x'.repeat(262_145) })).toContain(
      "Value at 'input' failed to satisfy constraint",
    );
    expect(messageFor('CreateStateMachine', { name: 'n', definition: '', roleArn: 'r' })).toContain(
      "Value at 'definition' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    expect(
      messageFor('UpdateStateMachine', { stateMachineArn: 'a', loggingConfiguration: { destinations: {} } }),
    ).toContain("Value at 'loggingConfiguration.destinations' failed to satisfy constraint");
  });

  it("names nested fields with their path, a list's item by its 1-based place, as AWS does", () => {
    const message = messageFor('CreateStateMachine', {
      name: 'n',
      definition: '{}',
      roleArn: 'r',
      tags: [{ key: 1 }],
    });
    expect(message).toContain("Value '1' at 'tags.1.member.key' failed to satisfy constraint");
  });

  it('accepts a well-formed request and ignores unknown fields', () => {
    expect(messageFor('SendTaskSuccess', { taskToken: 't', output: '{}', extra: true })).toBe('valid');
  });

  it('accepts a tag without a value, which the API model does not require', () => {
    const request = { name: 'n', definition: '{}', roleArn: 'r', tags: [{ key: 'team' }] };
    expect(messageFor('CreateStateMachine', request)).toBe('valid');
  });
});
