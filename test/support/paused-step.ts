/**
 * A paused canary step's shape, as `statemachines/canary.asl.json` has it: a Parallel state whose first
 * branch waits for an approval (the `.waitForTaskToken` task `functionName` gets the token and the
 * execution's ARN as `taskToken` and `executionArn`) while the second checks the step every second,
 * recording events meanwhile. An answer ends the pause (`PauseAnswered`, caught: the execution succeeds).
 */
export function pausedStepDefinition(functionName: string): object {
  return {
    StartAt: 'PauseAfterStep',
    States: {
      PauseAfterStep: {
        Type: 'Parallel',
        Branches: [
          {
            StartAt: 'WaitForAnswer',
            States: {
              WaitForAnswer: {
                Type: 'Task',
                Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
                Parameters: {
                  FunctionName: functionName,
                  Payload: { 'executionArn.$': '$$.Execution.Id', 'taskToken.$': '$$.Task.Token' },
                },
                Next: 'PauseAnswered',
              },
              PauseAnswered: { Type: 'Fail', Error: 'PauseAnswered' },
            },
          },
          {
            StartAt: 'WaitToCheckPausedStep',
            States: {
              WaitToCheckPausedStep: { Type: 'Wait', Seconds: 1, Next: 'CheckPausedStep' },
              CheckPausedStep: { Type: 'Pass', Next: 'MoreChecksWhilePaused' },
              MoreChecksWhilePaused: {
                Type: 'Choice',
                Choices: [{ Variable: '$.lastCheck', IsPresent: true, Next: 'PauseChecksDone' }],
                Default: 'WaitToCheckPausedStep',
              },
              PauseChecksDone: { Type: 'Succeed' },
            },
          },
        ],
        Catch: [{ ErrorEquals: ['PauseAnswered'], Next: 'Done' }],
        End: true,
      },
      Done: { Type: 'Succeed' },
    },
  };
}
