import { describe, expect, it } from 'vitest';
import { ValidationError } from '#core/errors.ts';
import {
  analyzedTracks,
  buildPlan,
  chooseTracks,
  routedTracks,
  USD_PER_STATE_TRANSITION,
} from '#core/plan/index.ts';
import { readAdmittedRequest, validateRequest } from '#core/schemas/index.ts';
import { blueGreenInput, canaryInput, rollingInput } from '#test/builders/release-request.ts';

describe('buildPlan', () => {
  it('turns canary steps into weights, waits, duration and cost', () => {
    // Prepare
    const request = validateRequest(
      'canary',
      canaryInput({
        steps: [
          { weight: 10, bakeSeconds: 300 },
          { weight: 50, bakeSeconds: 0 },
        ],
      }),
    );
    // Act
    const plan = buildPlan('canary', request);
    // Assess
    expect(plan.tracks).toEqual({ live: 'stable', next: 'canary' });
    expect(plan.steps.map((step) => step.weights)).toEqual([
      { stable: 90, canary: 10 },
      { stable: 50, canary: 50 },
    ]);
    // No bake: the step still waits one analysis interval, so its analysis judges that much traffic
    expect(plan.steps[1]).toMatchObject({ bakeSeconds: 30, windowSeconds: 30, analyze: true });
    // The 300 s bake is checked every analysis interval (30 s) and analyzed at its end; the 30 s one only at its end
    expect(plan.steps.map((step) => step.bake)).toEqual([
      { checks: 9, checkSeconds: 30, finalSeconds: 30 },
      { checks: 0, checkSeconds: 30, finalSeconds: 30 },
    ]);
    expect(plan.maxPollAttempts).toBe(120);
    expect(plan.expectedDurationSeconds).toBe(300 + 30 + 30 + 2 * plan.pollIntervalSeconds);
    expect(plan.stateTransitions).toBe(21 + 8 * 2 + 3 * 9);
    expect(plan.estimatedCostUsd).toBeCloseTo(plan.stateTransitions * USD_PER_STATE_TRANSITION, 9);
    expect(plan.approval.required).toBe(false);
  });

  it('plans a pause after a step that asks for one, checked every interval, and counts its states', () => {
    // Prepare
    const steps = [
      { weight: 10, bakeSeconds: 30, pause: true },
      { weight: 50, bakeSeconds: 30 },
    ];
    // Act
    const plan = buildPlan('canary', validateRequest('canary', canaryInput({ steps })));
    // Assess
    expect(plan.steps.map((step) => step.pause)).toEqual([true, false]);
    // The hour the pause may wait, checked every 30 s of the analysis interval
    expect(plan.steps.map((step) => step.pauseChecks)).toEqual([
      { checks: 119, checkSeconds: 30, finalSeconds: 30 },
      undefined,
    ]);
    // The pause, its answer and the start of its checks (answered before the first check)
    expect(plan.stateTransitions).toBe(21 + 8 * 2 + 6);
  });

  it('checks long pauses less often: at most 200 checks for all the paused steps of a release', () => {
    // Prepare: three steps pausing a day each
    const steps = [10, 20, 30].map((weight) => ({ weight, bakeSeconds: 30, pause: true }));
    // Act
    const plan = buildPlan(
      'canary',
      validateRequest('canary', canaryInput({ steps, approval: { timeoutSeconds: 86_400 } })),
    );
    // Assess
    expect(plan.steps.map((step) => step.pauseChecks?.checkSeconds)).toEqual([1296, 1296, 1296]);
    expect(
      plan.steps.reduce((total, step) => total + (step.pauseChecks?.checks ?? 0), 0),
    ).toBeLessThanOrEqual(200);
  });

  it('checks the pause an inconclusive analysis may make, in every strategy, within 200 checks a release', () => {
    // Prepare: analyses that pause for a person when inconclusive, checked every 30 s
    const analysis = { intervalSeconds: 30, onInconclusive: 'pause' };
    const day = { timeoutSeconds: 86_400 };
    const steps = [10, 20, 30].map((weight) => ({ weight, bakeSeconds: 30 }));
    const replicas = { release: { version: 'v2', command: ['x'], replicas: 3 } };
    // Act
    const canary = buildPlan(
      'canary',
      validateRequest(
        'canary',
        canaryInput({
          steps: [...steps, { weight: 50, bakeSeconds: 30, pause: true }],
          analysis,
          approval: day,
        }),
      ),
    );
    const rolling = buildPlan(
      'rolling',
      validateRequest('rolling', rollingInput({ maxSurge: 1, maxUnavailable: 0, analysis }, replicas)),
      { weights: { blue: 100 }, liveReplicas: 3 },
    );
    const blueGreen = buildPlan(
      'blue-green',
      validateRequest('blue-green', blueGreenInput({ postSwitch: { bakeSeconds: 60, analysis } })),
      { weights: { blue: 100 }, liveReplicas: 2 },
    );
    // Assess: each step may pause once (the answer goes on past a step's own pause): 4 pauses of a day
    expect(canary.steps.map((step) => step.pauseChecks)).toEqual(
      Array(4).fill({ checks: 49, checkSeconds: 1728, finalSeconds: 1728 }),
    );
    // Three analyzed batches, each of which may pause for the hour of the default timeout
    expect(rolling.steps.map((step) => step.pauseChecks)).toEqual(
      Array(3).fill({ checks: 66, checkSeconds: 54, finalSeconds: 36 }),
    );
    expect(blueGreen.postSwitch?.pauseChecks).toEqual({ checks: 119, checkSeconds: 30, finalSeconds: 30 });
    expect(blueGreen.preview?.pauseChecks).toBeUndefined();
  });

  it('counts every wait for a person a release may take: the approval, paused steps, pauses on inconclusive analyses', () => {
    // Prepare
    const steps = [
      { weight: 10, bakeSeconds: 30, pause: true },
      { weight: 30, bakeSeconds: 30, pause: true },
      { weight: 50, bakeSeconds: 30 },
    ];
    const approval = { timeoutSeconds: 86_400 };
    const pausing = { onInconclusive: 'pause' };
    // Act
    const paused = buildPlan('canary', validateRequest('canary', canaryInput({ steps, approval })));
    const pausingToo = buildPlan(
      'canary',
      validateRequest('canary', canaryInput({ steps, approval, analysis: pausing })),
    );
    const blueGreen = buildPlan(
      'blue-green',
      validateRequest('blue-green', blueGreenInput({ postSwitch: { analysis: pausing } })),
    );
    // Assess
    // The approval before promotion is the pause after the last step
    expect(paused.approval).toEqual({
      required: false,
      timeoutSeconds: 86_400,
      maxWaits: 3,
      inconclusiveWaits: 0,
      onTimeout: 'rollback',
    });
    expect(paused.steps.map((step) => step.pause)).toEqual([true, true, true]);
    expect(paused.steps.map((step) => step.pauseStage)).toEqual([
      'after step 1 of 3',
      'after step 2 of 3',
      'promote',
    ]);
    expect(pausingToo.approval).toMatchObject({ maxWaits: 3 + 3, inconclusiveWaits: 3 });
    expect(blueGreen.approval).toEqual({
      required: false,
      timeoutSeconds: 3600,
      maxWaits: 1,
      inconclusiveWaits: 1,
      onTimeout: 'rollback',
    });
  });

  it('counts the approval state when approval is asked', () => {
    // Prepare
    const request = validateRequest(
      'canary',
      canaryInput({ preset: 'AllAtOnce', approval: { timeoutSeconds: 600 } }),
    );
    // Act
    const plan = buildPlan('canary', request);
    // Assess
    expect(plan.approval).toEqual({
      required: true,
      timeoutSeconds: 600,
      maxWaits: 1,
      inconclusiveWaits: 0,
      onTimeout: 'rollback',
    });
    expect(plan.stepCount).toBe(0);
    expect(plan.stateTransitions).toBe(22);
  });

  it('switches blue-green to the idle colour', () => {
    // Prepare
    const request = validateRequest('blue-green', blueGreenInput({ postSwitch: { bakeSeconds: 120 } }));
    // Act
    const plan = buildPlan('blue-green', request, { weights: { blue: 0, green: 100 }, liveReplicas: 2 });
    // Assess
    expect(plan.tracks).toEqual({ live: 'green', next: 'blue' });
    expect(plan.preview).toMatchObject({ enabled: false, bakeSeconds: 0, windowSeconds: 0 });
    expect(plan.postSwitch).toEqual({
      enabled: true,
      bakeSeconds: 120,
      windowSeconds: 120,
      bake: { checks: 3, checkSeconds: 30, finalSeconds: 30 },
    });
    expect(plan.stateTransitions).toBe(7 + 1 + 1 + 1 + 1 + 4 + 3 * 3 + 5 + 1);
  });

  it('plans rolling batches from the live replicas with proportional weights', () => {
    // Prepare
    const request = validateRequest(
      'rolling',
      rollingInput(
        { maxSurge: 1, maxUnavailable: 0, analysis: {} },
        { release: { version: 'v2', command: ['x'], replicas: 3 } },
      ),
    );
    // Act
    const plan = buildPlan('rolling', request, { weights: { blue: 100 }, liveReplicas: 3 });
    // Assess
    expect(plan.tracks).toEqual({ live: 'blue', next: 'green' });
    expect(
      plan.steps.map(({ newReplicas, oldReplicas, weights }) => ({ newReplicas, oldReplicas, weights })),
    ).toEqual([
      { newReplicas: 1, oldReplicas: 2, weights: { green: 33, blue: 67 } },
      { newReplicas: 2, oldReplicas: 1, weights: { green: 67, blue: 33 } },
      { newReplicas: 3, oldReplicas: 0, weights: { green: 100, blue: 0 } },
    ]);
    expect(plan.steps.every((step) => step.analyze)).toBe(true);
  });

  it('bakes nothing in a batch that only makes room for the new replicas (no surge)', () => {
    // Prepare
    const request = validateRequest(
      'rolling',
      rollingInput(
        { maxSurge: 0, maxUnavailable: 1, bakeSeconds: 20, analysis: {} },
        { release: { version: 'v2', command: ['x'], replicas: 2 } },
      ),
    );
    // Act
    const plan = buildPlan('rolling', request, { weights: { blue: 100 }, liveReplicas: 2 });
    // Assess
    expect(
      plan.steps.map(({ newReplicas, oldReplicas, bakeSeconds, analyze }) => ({
        newReplicas,
        oldReplicas,
        bakeSeconds,
        analyze,
      })),
    ).toEqual([
      { newReplicas: 0, oldReplicas: 1, bakeSeconds: 0, analyze: false },
      { newReplicas: 1, oldReplicas: 0, bakeSeconds: 20, analyze: true },
      { newReplicas: 2, oldReplicas: 0, bakeSeconds: 20, analyze: true },
    ]);
    expect(plan.expectedDurationSeconds).toBe(40 + 3 * plan.pollIntervalSeconds);
  });

  it('refuses a release whose own path passes the transitions one execution can record, naming the field', () => {
    // Prepare: a request admitted before this limit (admission refuses it now, see below)
    const request = readAdmittedRequest(
      'rolling',
      rollingInput(
        { maxSurge: 1, maxUnavailable: 0 },
        {
          release: { version: 'v2', image: 'registry.example/checkout:v2', replicas: 1000 },
          cluster: { type: 'kubeconfig' },
          traffic: { type: 'gateway-api', httpRoute: 'checkout' },
        },
      ),
    );
    const live = { weights: { blue: 100 }, liveReplicas: 1000 };
    // Act
    const act = () => buildPlan('rolling', request, live);
    // Assess
    expect(act).toThrow(ValidationError);
    expect(act).toThrow(
      /rolling\.maxSurge: the release takes 12,009 state transitions .* over 5,000, .*: raise maxSurge or maxUnavailable/,
    );
    expect(() =>
      buildPlan(
        'rolling',
        validateRequest('rolling', { ...request, rolling: { ...request.rolling, maxSurge: 5 } }),
        live,
      ),
    ).not.toThrow();
    // Admission refuses it before a release starts, with the replicas the request names
    expect(() => validateRequest('rolling', request)).toThrow(
      /rolling\.maxSurge: the release takes 12,009 state transitions .* over 5,000/,
    );
  });

  it('sends a first release straight to 100%: no steps, analysis, approval or delay', () => {
    // Prepare
    const nothingLive = { weights: {}, liveReplicas: 0 };
    const approval = { timeoutSeconds: 600 };
    const analysis = { minRequests: 10 };
    // Act
    const canary = buildPlan(
      'canary',
      validateRequest('canary', canaryInput({ stepWeight: 10, approval })),
      nothingLive,
    );
    const blueGreen = buildPlan(
      'blue-green',
      validateRequest(
        'blue-green',
        blueGreenInput({ approval, postSwitch: { analysis } }, { scaleDownDelaySeconds: 60 }),
      ),
      nothingLive,
    );
    const rolling = buildPlan(
      'rolling',
      validateRequest('rolling', rollingInput({ maxSurge: 1, analysis })),
      nothingLive,
    );
    // Assess
    expect(canary).toMatchObject({ firstRelease: true, stepCount: 0, scaleDownDelaySeconds: 0 });
    expect(canary.approval.required).toBe(false);
    expect(blueGreen).toMatchObject({ firstRelease: true, tracks: { live: 'blue', next: 'green' } });
    expect(blueGreen).toMatchObject({ scaleDownDelaySeconds: 0, approval: { required: false } });
    expect([blueGreen.preview?.enabled, blueGreen.postSwitch?.enabled]).toEqual([false, false]);
    expect(rolling.steps).toEqual([
      {
        weights: { blue: 0, green: 100 },
        bakeSeconds: 0,
        windowSeconds: 1,
        analyze: false,
        pause: false,
        bake: { checks: 0, checkSeconds: 0, finalSeconds: 0 },
        newReplicas: 2,
        oldReplicas: 0,
      },
    ]);
  });

  it('is no first release once a track has traffic, nor when planned without the current state', () => {
    const request = validateRequest('canary', canaryInput());
    expect(
      buildPlan('canary', request, { weights: { stable: 100, canary: 0 }, liveReplicas: 1 }).firstRelease,
    ).toBe(false);
    expect(buildPlan('canary', request).firstRelease).toBe(false);
  });

  it('counts and names the afterTraffic webhooks and their task, after the beforeTraffic ones', () => {
    // Prepare
    const url = 'http://127.0.0.1:9000/e2e';
    const hooks = {
      beforeTraffic: [{ name: 'smoke', url }],
      afterTraffic: [
        { name: 'e2e', url },
        { name: 'load', url },
      ],
    };
    const live = { weights: { blue: 100 }, liveReplicas: 1 };
    const both = buildPlan('blue-green', validateRequest('blue-green', blueGreenInput({}, { hooks })), live);
    const none = buildPlan('blue-green', validateRequest('blue-green', blueGreenInput({})), live);
    // Assess
    expect(both.hooks).toEqual({
      beforeTraffic: 1,
      afterTraffic: 2,
      names: { beforeTraffic: ['smoke'], afterTraffic: ['e2e', 'load'] },
    });
    expect(both.stateTransitions).toBe(none.stateTransitions + 2);
  });

  it('counts the webhooks to run before traffic and their RunHooks transition, none on a first release', () => {
    // Prepare
    const hooks = { beforeTraffic: [{ name: 'smoke', url: 'http://127.0.0.1:9000/smoke' }] };
    const withHooks = validateRequest('canary', canaryInput(undefined, { hooks }));
    const without = validateRequest('canary', canaryInput());
    const live = { weights: { stable: 100 }, liveReplicas: 1 };
    // Act
    const hooked = buildPlan('canary', withHooks, live);
    const plain = buildPlan('canary', without, live);
    const first = buildPlan('canary', withHooks, { weights: {}, liveReplicas: 0 });
    // Assess
    expect(hooked.hooks).toEqual({
      beforeTraffic: 1,
      afterTraffic: 0,
      names: { beforeTraffic: ['smoke'], afterTraffic: [] },
    });
    expect(hooked.stateTransitions).toBe(plain.stateTransitions + 1);
    expect(first.hooks).toEqual({
      beforeTraffic: 0,
      afterTraffic: 0,
      names: { beforeTraffic: [], afterTraffic: [] },
    });
    expect(first.stateTransitions).toBe(
      buildPlan('canary', without, { weights: {}, liveReplicas: 0 }).stateTransitions,
    );
  });

  it('takes the track with the most traffic as live, whatever its name', () => {
    expect(chooseTracks('blue-green', { stable: 100, canary: 0 })).toEqual({ live: 'stable', next: 'blue' });
    expect(chooseTracks('rolling', { stable: 0, blue: 100 })).toEqual({ live: 'blue', next: 'green' });
    expect(chooseTracks('canary', { blue: 0, green: 100 })).toEqual({ live: 'green', next: 'canary' });
    expect(chooseTracks('canary', { canary: 100 })).toEqual({ live: 'canary', next: 'stable' });
    expect(chooseTracks('blue-green', { blue: 30, green: 70 })).toEqual({ live: 'green', next: 'blue' });
  });

  it('keeps the first colour live when neither has traffic', () => {
    expect(chooseTracks('rolling', {})).toEqual({ live: 'blue', next: 'green' });
  });

  it('names the tracks a release routes and judges: both and the new one, or on a first release the one going live', () => {
    // Prepare
    const nothingLive = { weights: {}, liveReplicas: 0 };
    const live = { weights: { blue: 100, green: 0 }, liveReplicas: 2 };
    const analysis = { minRequests: 10 };
    const blueGreen = validateRequest('blue-green', blueGreenInput({ postSwitch: { analysis } }));
    const canary = validateRequest('canary', canaryInput());
    const unjudged = validateRequest('rolling', rollingInput({ maxSurge: 1 }));
    // Act
    const firstCanary = buildPlan('canary', canary, nothingLive);
    const firstBlueGreen = buildPlan('blue-green', blueGreen, nothingLive);
    const nextBlueGreen = buildPlan('blue-green', blueGreen, live);
    const nextRolling = buildPlan('rolling', unjudged, live);
    // Assess
    expect([routedTracks(firstCanary), analyzedTracks(firstCanary)]).toEqual([['stable'], []]);
    expect([routedTracks(firstBlueGreen), analyzedTracks(firstBlueGreen)]).toEqual([['green'], []]);
    expect([routedTracks(nextBlueGreen), analyzedTracks(nextBlueGreen)]).toEqual([
      ['blue', 'green'],
      ['green'],
    ]);
    expect([routedTracks(nextRolling), analyzedTracks(nextRolling)]).toEqual([['blue', 'green'], []]);
    const allAtOnce = buildPlan('canary', validateRequest('canary', canaryInput({ preset: 'AllAtOnce' })), {
      weights: { stable: 100, canary: 0 },
      liveReplicas: 2,
    });
    expect(routedTracks(allAtOnce)).toEqual(['stable']); // the canary track never takes traffic
  });

  it('waits one analysis interval before judging a window or batch that has no bake', () => {
    // Prepare
    const analysis = { intervalSeconds: 45 };
    const live = { weights: { blue: 100, green: 0 }, liveReplicas: 2 };
    const blueGreen = validateRequest(
      'blue-green',
      blueGreenInput({ preview: { bakeSeconds: 0, analysis } }),
    );
    const rolling = validateRequest('rolling', rollingInput({ maxSurge: 1, bakeSeconds: 0, analysis }));
    const unjudged = validateRequest('rolling', rollingInput({ maxSurge: 1, bakeSeconds: 0 }));
    // Act
    const preview = buildPlan('blue-green', blueGreen, live).preview;
    const batches = buildPlan('rolling', rolling, live).steps;
    const unjudgedBatches = buildPlan('rolling', unjudged, live).steps;
    // Assess
    expect(preview).toMatchObject({ enabled: true, bakeSeconds: 45, windowSeconds: 45 });
    expect(batches.map((batch) => [batch.bakeSeconds, batch.analyze])).toEqual([
      [45, true],
      [45, true],
    ]);
    expect(unjudgedBatches.map((batch) => batch.bakeSeconds)).toEqual([0, 0]);
  });

  it("checks a blue-green's post-switch window on its own budget: a day-long preview takes none of its checks", () => {
    // Prepare
    const analysis = { intervalSeconds: 10 };
    const request = validateRequest(
      'blue-green',
      blueGreenInput({
        preview: { bakeSeconds: 86_400, analysis },
        postSwitch: { bakeSeconds: 60, analysis },
      }),
    );
    // Act
    const plan = buildPlan('blue-green', request, { weights: { blue: 100, green: 0 }, liveReplicas: 2 });
    // Assess: the preview's 250 checks at most, the post-switch window checked every 10 s
    expect(plan.preview?.bake).toEqual({ checks: 249, checkSeconds: 346, finalSeconds: 246 });
    expect(plan.postSwitch?.bake).toEqual({ checks: 5, checkSeconds: 10, finalSeconds: 10 });
  });

  it('checks long bakes less often, so a release keeps within the checks one execution can record', () => {
    // Prepare: 20 steps of a day each, an analysis interval of 30 s (57,600 checks at that interval)
    const steps = Array.from({ length: 20 }, (_, index) => ({
      weight: 5 * (index + 1) - 1,
      bakeSeconds: 86_400,
    }));
    const request = validateRequest('canary', canaryInput({ steps, analysis: { intervalSeconds: 30 } }));
    // Act
    const plan = buildPlan('canary', request);
    // Assess: one check every 3,456 s (57.6 minutes), 24 per step, 480 in all
    expect(plan.steps.every((step) => step.bake.checkSeconds === 3456)).toBe(true);
    expect(plan.steps.map((step) => step.bake.checks).reduce((sum, checks) => sum + checks, 0)).toBe(480);
    expect(plan.steps[0]?.bake).toEqual({ checks: 24, checkSeconds: 3456, finalSeconds: 3456 });
  });
});
