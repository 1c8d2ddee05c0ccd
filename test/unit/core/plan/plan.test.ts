import { describe, expect, it } from 'vitest';
import { buildPlan, chooseTracks, USD_PER_STATE_TRANSITION } from '#core/plan/index.ts';
import { validateRequest } from '#core/schemas/index.ts';
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
    expect(plan.steps[1]!.windowSeconds).toBe(30); // no bake: the re-analysis interval
    expect(plan.maxPollAttempts).toBe(120);
    expect(plan.expectedDurationSeconds).toBe(300 + 30 + 2 * plan.pollIntervalSeconds);
    expect(plan.stateTransitions).toBe(19 + 7 * 2);
    expect(plan.estimatedCostUsd).toBeCloseTo(plan.stateTransitions * USD_PER_STATE_TRANSITION, 9);
    expect(plan.approval.required).toBe(false);
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
    expect(plan.approval).toEqual({ required: true, timeoutSeconds: 600 });
    expect(plan.stepCount).toBe(0);
    expect(plan.stateTransitions).toBe(20);
  });

  it('switches blue-green to the idle colour', () => {
    // Prepare
    const request = validateRequest('blue-green', blueGreenInput({ postSwitch: { bakeSeconds: 120 } }));
    // Act
    const plan = buildPlan('blue-green', request, { weights: { blue: 0, green: 100 }, liveReplicas: 2 });
    // Assess
    expect(plan.tracks).toEqual({ live: 'green', next: 'blue' });
    expect(plan.preview).toEqual({ enabled: false, bakeSeconds: 0, windowSeconds: 0 });
    expect(plan.postSwitch).toEqual({ enabled: true, bakeSeconds: 120, windowSeconds: 120 });
    expect(plan.stateTransitions).toBe(7 + 1 + 1 + 1 + 1 + 3 + 5);
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

  it('keeps the first colour live when neither has traffic', () => {
    expect(chooseTracks('rolling', {})).toEqual({ live: 'blue', next: 'green' });
  });
});
