import { afterEach, describe, expect, it } from 'vitest';
import { startCli, stopStartedClis, waitForOutput } from '#test/support/cli-process.ts';
import { aBlueGreenRequest, aTestService } from '#test/support/strategy-requests.ts';
import {
  aLiveTrack,
  anExampleRelease,
  trackVersions,
  useStrategyRuntime,
} from '#test/support/strategy-runtime.ts';

describe('cutover traffic --track', () => {
  const context = useStrategyRuntime();
  afterEach(stopStartedClis);

  it('waits for a colour blue-green scaled down to 0 replicas as for a track the service does not run, sending nothing', async () => {
    // Prepare: v2 switched to green; ScaleDownOld left blue at 0 replicas
    const { runtime } = context;
    const { adapters } = runtime;
    const service = aTestService('traffic-scaled-down');
    await aLiveTrack(adapters, service, 'blue', anExampleRelease('v1'));
    const request = aBlueGreenRequest(service, 'v2', { blueGreen: { postSwitch: undefined } });
    const execution = await runtime.run('blue-green', request, 'traffic-scaled-down-v2');
    expect(execution.status, execution.cause).toBe('SUCCEEDED');
    expect(await trackVersions(adapters, service)).toEqual({ blue: 'v1 x0', green: 'v2 x1' });
    const traffic = startCli([
      'traffic',
      'test/traffic-scaled-down',
      '--track',
      'blue',
      '--data-dir',
      adapters.dataDir,
    ]);
    await waitForOutput(traffic, /\n/);
    // Act
    traffic.child.kill('SIGINT');
    const code = await traffic.exited;
    // Assess
    expect(code).toBe(0);
    expect(traffic.stdout()).toBe(
      'waiting for test/traffic-scaled-down to run track blue (its tracks: blue at 0 replicas, green): ' +
        'a release deploys its new track at its start (Ctrl-C stops)\n' +
        'stopped before test/traffic-scaled-down ran track blue: nothing sent\n',
    );
  });
});
