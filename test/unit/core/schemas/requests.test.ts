import { describe, expect, it } from 'vitest';
import { buildPlan } from '#core/plan/index.ts';
import {
  detectStrategy,
  REQUEST_JSON_SCHEMAS,
  readAdmittedRequest,
  validateRequest,
  validateWithReplicas,
} from '#core/schemas/index.ts';
import { blueGreenInput, canaryInput, rollingInput } from '#test/builders/release-request.ts';
import { validationMessageOf } from '#test/support/validation.ts';

describe('validateRequest (canary)', () => {
  it('fills the defaults', () => {
    // Act
    const request = validateRequest('canary', canaryInput());
    // Assess
    expect(request.scaleDownDelaySeconds).toBe(30);
    expect(request.progressDeadlineSeconds).toBe(600);
    expect(request.canary.analysis).toEqual({
      maxErrorRate: 0.01,
      minRequests: 50,
      failureLimit: 1,
      inconclusiveLimit: 2,
      onInconclusive: 'fail',
      intervalSeconds: 30,
    });
    expect(request.canary.steps).toEqual([{ weight: 10, bakeSeconds: 60 }]);
  });

  it('expands CodeDeploy presets', () => {
    // Act
    const canary = validateRequest('canary', canaryInput({ preset: 'Canary10Percent5Minutes' })).canary;
    const linear = validateRequest('canary', canaryInput({ preset: 'Linear10PercentEvery2Minutes' })).canary;
    const allAtOnce = validateRequest('canary', canaryInput({ preset: 'AllAtOnce' })).canary;
    // Assess
    expect(canary.steps).toEqual([{ weight: 10, bakeSeconds: 300 }]);
    expect(linear.steps.map((step) => step.weight)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(linear.steps.every((step) => step.bakeSeconds === 120)).toBe(true);
    expect(allAtOnce.steps).toEqual([]);
  });

  it('expands stepWeight up to maxWeight, ending at maxWeight when stepWeight does not divide it', () => {
    // Act
    const weights = (stepWeight: number, maxWeight: number) =>
      validateRequest('canary', canaryInput({ stepWeight, maxWeight })).canary.steps.map(
        (step) => step.weight,
      );
    // Assess
    expect(weights(20, 50)).toEqual([20, 40, 50]);
    expect(weights(30, 50)).toEqual([30, 50]);
    expect(weights(50, 50)).toEqual([50]);
    expect(weights(7, 20)).toEqual([7, 14, 20]);
  });

  it('expands Flagger stepWeight up to maxWeight', () => {
    // Act
    const { steps } = validateRequest(
      'canary',
      canaryInput({ stepWeight: 20, maxWeight: 60, intervalSeconds: 45 }),
    ).canary;
    // Assess
    expect(steps).toEqual([
      { weight: 20, bakeSeconds: 45 },
      { weight: 40, bakeSeconds: 45 },
      { weight: 60, bakeSeconds: 45 },
    ]);
  });

  it('accepts its own normalized output', () => {
    // Prepare
    const normalized = validateRequest('canary', canaryInput({ preset: 'Linear10PercentEvery1Minute' }));
    // Act + Assess
    expect(validateRequest('canary', JSON.parse(JSON.stringify(normalized)))).toEqual(normalized);
  });

  it('names every bad field with the allowed values', () => {
    // Prepare
    const input = canaryInput(
      {
        steps: [{ weight: 10 }, { weight: 150, bakeSeconds: 60 }],
        analysis: { onInconclusive: 'wait', extra: 1 },
      },
      { cluster: { type: 'gke' }, service: { name: 'Check_out' } },
    );
    // Act
    const message = validationMessageOf(() => validateRequest('canary', input));
    // Assess
    expect(message).toContain('canary.steps[1].weight: must be an integer 1-100 (got 150)');
    expect(message).toContain('cluster.type: must be one of: local, eks, kubeconfig (got "gke")');
    expect(message).toContain('canary.analysis.onInconclusive: must be one of: fail, pause (got "wait")');
    expect(message).toContain('canary.analysis: unknown field extra (allowed: maxErrorRate');
    expect(message).toContain("service.name: must be lowercase letters, digits and '-'");
    expect(message).not.toContain('release.image');
  });

  it('reports cross-field problems together with field errors', () => {
    // Prepare
    const input = canaryInput(
      { steps: [{ weight: 10 }], preset: 'AllAtOnce' },
      {
        traffic: { type: 'service-selector', service: 'checkout' },
        release: { version: 'v2', image: 'x:v2' },
      },
    );
    // Act
    const message = validationMessageOf(() => validateRequest('canary', input));
    // Assess
    expect(message).toContain(
      'canary: give exactly one of: steps, stepWeight, preset (got steps and preset)',
    );
    expect(message).toContain(
      'traffic.type: service-selector can only switch all traffic; a canary needs a weighted router (one of: local, alb-ingress, elbv2, gateway-api, istio, nginx-ingress)',
    );
    expect(message).toContain('release.command: is required with cluster.type local');
  });

  it('says only that a value is of the wrong type, not also that it is too short', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest('canary', canaryInput(undefined, { release: { version: 'v2', command: '' } })),
    );
    // Assess
    expect(message.split('\n')).toEqual([
      'invalid canary request:',
      '  - release.command: must be an array (got "")',
    ]);
  });

  it('asks a release without image or command for the one its cluster runs', () => {
    // Prepare
    const onEks = { type: 'eks', name: 'prod', region: 'eu-west-1' };
    const noCommand = { release: { version: 'v2' } };
    // Act
    const local = validationMessageOf(() => validateRequest('canary', canaryInput(undefined, noCommand)));
    const eks = validationMessageOf(() =>
      validateRequest('canary', canaryInput(undefined, { ...noCommand, cluster: onEks })),
    );
    // Assess
    expect(local).toContain('release.command: is required with cluster.type local (argv)');
    expect(local).not.toContain('release.image');
    expect(eks).toContain('release.image: is required with cluster.type eks (a container image)');
    expect(eks).not.toContain('release.command');
  });

  it('says which fields are missing', () => {
    // Act
    const message = validationMessageOf(() => validateRequest('canary', {}));
    // Assess
    for (const field of ['service', 'release', 'cluster', 'traffic', 'metrics', 'canary']) {
      expect(message).toContain(`  - ${field}: is required`);
    }
  });

  it('says a missing type is required, with its allowed values, not the object around it', () => {
    // Act
    const cluster = validationMessageOf(() =>
      validateRequest('canary', canaryInput(undefined, { cluster: {} })),
    );
    const traffic = validationMessageOf(() =>
      validateRequest('canary', canaryInput(undefined, { traffic: { ingress: 'x' } })),
    );
    // Assess
    expect(cluster.split('\n')).toEqual([
      'invalid canary request:',
      '  - cluster.type: is required (must be one of: local, eks, kubeconfig)',
    ]);
    expect(traffic).toContain(
      '  - traffic.type: is required (must be one of: local, service-selector, alb-ingress, elbv2, gateway-api, istio, nginx-ingress)',
    );
    expect(traffic).not.toContain('"x"');
  });

  it('refuses more steps than one execution can record, before a release starts, as buildPlan does', () => {
    // Prepare
    const steps = Array.from({ length: 2000 }, () => ({ weight: 10 }));
    const fewer = validateRequest('canary', canaryInput({ steps: steps.slice(0, 600) }));
    // Act
    const message = validationMessageOf(() => validateRequest('canary', canaryInput({ steps })));
    const planned = validationMessageOf(() =>
      buildPlan('canary', readAdmittedRequest('canary', canaryInput({ steps }))),
    );
    // Assess
    expect(message.split('\n')).toEqual([
      'invalid canary request:',
      '  - canary.steps: the release takes 16,021 state transitions before any rollout check or re-analysis, ' +
        'over 5,000, past what one Step Functions execution can record (25,000 history events): use fewer steps',
    ]);
    expect(planned).toBe(message);
    expect(fewer.canary.steps).toHaveLength(600);
  });

  it.each([
    ['steps []', { steps: [] }],
    ['preset AllAtOnce', { preset: 'AllAtOnce' }],
  ])('refuses an analysis a canary of %s would never run, naming canary.analysis', (_case, block) => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest('canary', canaryInput({ ...block, analysis: { maxErrorRate: 0.01 } })),
    );
    const withoutAnalysis = validateRequest('canary', canaryInput(block));
    // Assess
    expect(message).toBe(
      'invalid canary request:\n  - canary.analysis: judges no step: without steps (steps [] or preset AllAtOnce) the promotion sends 100% at once; give steps, or leave analysis out',
    );
    expect(withoutAnalysis.canary.steps).toEqual([]);
  });

  it('names an unjudged analysis beside the other bad fields, in one answer', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest('canary', {
        ...canaryInput({ steps: [], analysis: { maxErrorRate: 0.01 } }),
        scaleDownDelaySeconds: -1,
      }),
    );
    // Assess
    expect(message.split('\n')).toEqual([
      'invalid canary request:',
      '  - scaleDownDelaySeconds: must be an integer 0-86400 (got -1)',
      '  - canary.analysis: judges no step: without steps (steps [] or preset AllAtOnce) the promotion sends 100% at once; give steps, or leave analysis out',
    ]);
  });

  it('refuses a request over 64 KiB of JSON in UTF-8 beside its other bad fields, and admits one of 64 KiB', () => {
    // Prepare: requests of an exact size in UTF-8, most of it an environment value of 2-byte characters
    const withPad = (pad: string) => {
      const input = canaryInput();
      return { ...input, release: { ...input.release, env: { PAD: pad } } };
    };
    const overhead = Buffer.byteLength(JSON.stringify(withPad('')));
    const sized = (bytes: number) => {
      const left = bytes - overhead;
      return withPad(`${'é'.repeat(Math.floor(left / 2))}${'a'.repeat(left % 2)}`);
    };
    const tooLarge = { ...sized(65_537), scaleDownDelaySeconds: -1 };
    // Act
    const message = validationMessageOf(() => validateRequest('canary', tooLarge));
    const admitted = validateRequest('canary', sized(65_536));
    // Assess
    const size = Buffer.byteLength(JSON.stringify(tooLarge)).toLocaleString('en-US');
    expect(message.split('\n')).toEqual([
      'invalid canary request:',
      '  - scaleDownDelaySeconds: must be an integer 0-86400 (got -1)',
      `  - request: must be at most 65,536 bytes as JSON (got ${size}): a release carries it from state to state, within Step Functions' 262,144 bytes`,
    ]);
    expect(Buffer.byteLength(JSON.stringify(sized(65_536)))).toBe(65_536);
    expect(admitted.release.env?.PAD).toBe(sized(65_536).release.env.PAD);
  });

  it('suggests the allowed field a misspelt one is close to', () => {
    // Act
    const misspelt = validationMessageOf(() =>
      validateRequest('canary', canaryInput({ stpes: [{ weight: 10 }], analysys: {} })),
    );
    const farOff = validationMessageOf(() =>
      validateRequest('canary', canaryInput({ preset: 'AllAtOnce', bogus: 1 })),
    );
    // Assess
    expect(misspelt).toContain(
      '  - canary: unknown fields stpes, analysys (allowed: steps, stepWeight, maxWeight, intervalSeconds, preset, ' +
        'analysis, approval): did you mean steps for stpes, analysis for analysys?',
    );
    expect(farOff).toContain('  - canary: unknown field bogus (allowed: steps, stepWeight');
    expect(farOff).not.toContain('did you mean');
  });

  it('suggests the field a name without its unit starts: scaleDownDelaySeconds for scaleDownDelay', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest('canary', canaryInput({ steps: [{ weight: 10, bake: 60 }] }, { scaleDownDelay: 10 })),
    );
    // Assess
    expect(message).toContain(
      '  - canary.steps[0]: unknown field bake (allowed: weight, bakeSeconds, pause): did you mean bakeSeconds?',
    );
    expect(message).toMatch(
      /- \(request\): unknown field scaleDownDelay \(allowed: [^)]*\): did you mean scaleDownDelaySeconds\?$/m,
    );
  });

  it('points a field given one level too high to where it belongs: a step, the analysis', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest('canary', canaryInput({ preset: 'AllAtOnce', pause: true, maxErrorRate: 0.05 })),
    );
    // Assess
    expect(message).toContain(
      '  - canary: unknown fields pause, maxErrorRate (allowed: steps, stepWeight, maxWeight, intervalSeconds, ' +
        'preset, analysis, approval): did you mean steps[].pause for pause, analysis.maxErrorRate for maxErrorRate?',
    );
  });

  it('says which strategy a request is written for when it is given as another', () => {
    // Act
    const message = validationMessageOf(() => validateRequest('rolling', canaryInput()));
    // Assess
    expect(message.split('\n')).toEqual([
      'invalid rolling request (written for canary: it has a canary block):',
      expect.stringMatching(/^ {2}- \(request\): unknown field canary \(allowed: .*rolling\)$/),
    ]);
  });

  it('lists the strategies for an unknown one', () => {
    expect(validationMessageOf(() => validateRequest('canry', canaryInput()))).toBe(
      'strategy: must be one of: canary, blue-green, rolling (got "canry")',
    );
  });
});

describe('validateRequest (blue-green, rolling)', () => {
  it('defaults an empty blue-green block and fills optional windows', () => {
    // Act
    const request = validateRequest('blue-green', blueGreenInput({ postSwitch: {} }));
    // Assess
    expect(request.blueGreen.postSwitch?.bakeSeconds).toBe(300);
    expect(request.blueGreen.preview).toBeUndefined();
  });

  it('refuses maxSurge and maxUnavailable both 0', () => {
    expect(
      validationMessageOf(() =>
        validateRequest('rolling', rollingInput({ maxSurge: 0, maxUnavailable: '0%' })),
      ),
    ).toContain('rolling.maxUnavailable: may not be 0 when maxSurge is 0');
  });

  it('refuses more replicas than the local cluster runs, before anything starts', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest(
        'rolling',
        rollingInput(
          {},
          { release: { version: 'v2', command: ['node', 'examples/app/server.js'], replicas: 60 } },
        ),
      ),
    );
    // Assess
    expect(message).toContain(
      'release.replicas: must be at most 50 on the local cluster, which runs each replica as a process on this machine (got 60)',
    );
  });

  it('refuses a Kubernetes router without a Kubernetes cluster to read its routing objects from', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest(
        'blue-green',
        blueGreenInput({}, { traffic: { type: 'service-selector', service: 'x' } }),
      ),
    );
    // Assess
    expect(message).toContain(
      'traffic.cluster: is required with cluster.type local: the service-selector router reads its routing objects from a Kubernetes cluster',
    );
  });

  it('refuses the nginx-ingress router for blue-green and rolling, whose old track it would leave behind its primary Ingress', () => {
    // Prepare
    const eks = {
      cluster: { type: 'eks', name: 'prod', region: 'eu-west-1' },
      release: { version: 'v2', image: 'registry.example/checkout:v2', replicas: 2 },
      traffic: { type: 'nginx-ingress', ingress: 'checkout' },
    };
    // Act
    const blueGreen = validationMessageOf(() => validateRequest('blue-green', blueGreenInput({}, eks)));
    const rolling = validationMessageOf(() =>
      validateRequest('rolling', rollingInput({ maxSurge: 1, maxUnavailable: 0 }, eks)),
    );
    const canary = validateRequest('canary', canaryInput(undefined, eks));
    // Assess
    const why =
      'nginx-ingress sends a release to the new track through a canary Ingress while the primary Ingress keeps ' +
      'routing to its own track, so it serves canary releases only; ';
    expect(blueGreen).toContain(
      `traffic.type: ${why}a blue-green release would scale that track down to nothing under the primary Ingress, ` +
        'where ingress-nginx answers 503 even at canary-weight 100 (use one of: local, service-selector, alb-ingress, elbv2, gateway-api, istio)',
    );
    expect(rolling).toContain(
      `traffic.type: ${why}a rolling release would scale that track down to nothing under the primary Ingress, ` +
        'where ingress-nginx answers 503 even at canary-weight 100 (use one of: local, alb-ingress, elbv2, gateway-api, istio)',
    );
    expect(canary.traffic).toEqual({ type: 'nginx-ingress', ingress: 'checkout' });
  });

  it('refuses a switch-only router for rolling, listing only the weighted routers rolling accepts', () => {
    // Prepare
    const input = rollingInput(
      { maxSurge: 1, maxUnavailable: 0 },
      {
        cluster: { type: 'eks', name: 'prod', region: 'eu-west-1' },
        release: { version: 'v2', image: 'registry.example/checkout:v2', replicas: 2 },
        traffic: { type: 'service-selector', service: 'checkout' },
      },
    );
    // Act
    const message = validationMessageOf(() => validateRequest('rolling', input));
    // Assess
    expect(message).toContain(
      'traffic.type: service-selector can only switch all traffic; a rolling release needs a weighted router (one of: local, alb-ingress, elbv2, gateway-api, istio)',
    );
  });

  it('says once what is wrong with a count no cluster takes, however large', () => {
    // Act
    const messages = [1001, 1e20].map((replicas) =>
      validationMessageOf(() =>
        validateRequest(
          'canary',
          canaryInput(undefined, {
            release: { version: 'v2', command: ['node', 'examples/app/server.js'], replicas },
            scaleDownDelaySeconds: 1e20,
          }),
        ),
      ),
    );
    // Assess: one line per field
    expect(messages.map((message) => message.split('\n').slice(1))).toEqual([
      [
        '  - release.replicas: must be an integer 1-1000, at most 50 on the local cluster (got 1001)',
        '  - scaleDownDelaySeconds: must be an integer 0-86400 (got 100000000000000000000)',
      ],
      [
        '  - release.replicas: must be an integer 1-1000, at most 50 on the local cluster (got 100000000000000000000)',
        '  - scaleDownDelaySeconds: must be an integer 0-86400 (got 100000000000000000000)',
      ],
    ]);
  });

  it('reports a replica count that is no count once, without bounds measured against it', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest(
        'rolling',
        rollingInput(
          { maxSurge: 1, maxUnavailable: 1 },
          { release: { version: 'v2', command: ['node', 'examples/app/server.js'], replicas: 0 } },
        ),
      ),
    );
    // Assess
    expect(message).toContain(
      'release.replicas: must be an integer 1-1000, at most 50 on the local cluster (got 0)',
    );
    expect(message).not.toContain('rolling.max');
  });

  it('shows a number too large for JSON as written, not as null', () => {
    // Act: JSON.parse('1e400') is Infinity
    const message = validationMessageOf(() =>
      validateRequest('rolling', rollingInput({ bakeSeconds: JSON.parse('1e400') })),
    );
    // Assess
    expect(message).toContain('rolling.bakeSeconds: must be an integer 0-86400 (got Infinity)');
  });

  it('refuses a batch bound larger than the replicas, naming the field', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest('rolling', rollingInput({ maxSurge: 5, maxUnavailable: 3, bakeSeconds: 1 })),
    );
    // Assess
    expect(message).toContain('rolling.maxSurge: must be at most release.replicas (2) (got 5)');
    expect(message).toContain('rolling.maxUnavailable: must be at most release.replicas (2) (got 3)');
    expect(() =>
      validateRequest('rolling', rollingInput({ maxSurge: 2, maxUnavailable: '100%' })),
    ).not.toThrow();
  });

  it('refuses a maxUnavailable that stops every replica at once when there is no surge', () => {
    // Act
    const count = validationMessageOf(() =>
      validateRequest('rolling', rollingInput({ maxSurge: 0, maxUnavailable: 2 })),
    );
    const percent = validationMessageOf(() =>
      validateRequest('rolling', rollingInput({ maxSurge: '0%', maxUnavailable: '100%' })),
    );
    // Assess
    expect(count).toContain(
      'rolling.maxUnavailable: with maxSurge 0 must leave a replica serving: below release.replicas (2), or give maxSurge 1 or more (got 2, every replica would stop at once)',
    );
    expect(percent).toContain('rolling.maxUnavailable: with maxSurge 0 must leave a replica serving');
    expect(() => validateRequest('rolling', rollingInput({ maxSurge: 0, maxUnavailable: 1 }))).not.toThrow();
    expect(() => validateRequest('rolling', rollingInput({ maxSurge: 1, maxUnavailable: 2 }))).not.toThrow();
  });

  it('without release.replicas, refuses only the percentage that stops every replica of any count', () => {
    // Prepare
    const withoutReplicas = (rolling: Record<string, unknown>) => {
      const { replicas: _replicas, ...release } = rollingInput().release;
      return rollingInput(rolling, { release });
    };
    // Act
    const all = validationMessageOf(() =>
      validateRequest('rolling', withoutReplicas({ maxSurge: 0, maxUnavailable: '100%' })),
    );
    // Assess
    expect(all).toContain(
      'rolling.maxUnavailable: with maxSurge 0 must leave a replica serving: below 100%, or give maxSurge 1 or more (got "100%", every replica would stop at once)',
    );
    // A count is checked once the release starts, against the live track's replicas.
    expect(() =>
      validateRequest('rolling', withoutReplicas({ maxSurge: 0, maxUnavailable: 5 })),
    ).not.toThrow();
    expect(() =>
      validateRequest('rolling', withoutReplicas({ maxSurge: 0, maxUnavailable: '50%' })),
    ).not.toThrow();
  });

  it('refuses scaleDownDelaySeconds on a rolling request, naming the strategies that take it', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest('rolling', rollingInput({}, { scaleDownDelaySeconds: 30 })),
    );
    const blueGreen = validateRequest('blue-green', blueGreenInput({}, { scaleDownDelaySeconds: 60 }));
    // Assess
    expect(message.split('\n')).toEqual([
      'invalid rolling request:',
      '  - scaleDownDelaySeconds: does not apply to rolling (the old track is drained batch by batch); ' +
        'use it with canary or blue-green (got 30)',
    ]);
    expect(blueGreen.scaleDownDelaySeconds).toBe(60);
  });

  it('refuses an analysis whose maxErrorRate no version could exceed', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest('canary', canaryInput({ steps: [{ weight: 10 }], analysis: { maxErrorRate: 1 } })),
    );
    const strictest = validateRequest(
      'canary',
      canaryInput({ steps: [{ weight: 10 }], analysis: { maxErrorRate: 0 } }),
    );
    // Assess
    expect(message.split('\n')).toEqual([
      'invalid canary request:',
      '  - canary.analysis.maxErrorRate: must be below 1: at 1, a version failing every request would pass',
    ]);
    expect(strictest.canary.analysis.maxErrorRate).toBe(0);
  });

  it('offers timeoutSeconds, not onTimeout, for an approval timeout without its unit', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest('canary', canaryInput({ steps: [{ weight: 10 }], approval: { timeout: 60 } })),
    );
    // Assess
    expect(message).toContain(
      'canary.approval: unknown field timeout (allowed: before, timeoutSeconds, onTimeout): did you mean timeoutSeconds?',
    );
  });

  it('asks for a maxErrorRate below 1 when it is no number, as it does of 1', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest('canary', canaryInput({ steps: [{ weight: 10 }], analysis: { maxErrorRate: '0.05' } })),
    );
    // Assess
    expect(message).toContain(
      'canary.analysis.maxErrorRate: must be a number from 0 to below 1 (got "0.05")',
    );
  });

  it('does not offer scaleDownDelaySeconds to a rolling request whose field is misspelt', () => {
    // Act
    const unknown = validationMessageOf(() => validateRequest('rolling', rollingInput({}, { bogus: 1 })));
    const misspelt = validationMessageOf(() =>
      validateRequest('rolling', rollingInput({}, { scaleDownDelay: 30 })),
    );
    // Assess
    expect(unknown).toContain(
      '(request): unknown field bogus (allowed: service, release, cluster, traffic, metrics, ' +
        'progressDeadlineSeconds, notifications, hooks, rolling)',
    );
    expect(misspelt).not.toContain('did you mean');
  });

  it('admits a rolling request it returned again, with the replicas ValidateRequest fills in', () => {
    // Prepare: without release.replicas, ValidateRequest checks the normalized request once more
    const { replicas: _replicas, ...release } = rollingInput().release;
    const admitted = validateRequest('rolling', rollingInput({}, { release }));
    // Act
    const withReplicas = validateWithReplicas('rolling', admitted, 4, 'release.replicas is not given:');
    // Assess
    expect(withReplicas.release.replicas).toBe(4);
    expect(withReplicas.scaleDownDelaySeconds).toBe(0);
  });

  it('admits an AllAtOnce canary it returned again, with the replicas ValidateRequest fills in and the analysis defaults it filled', () => {
    // Prepare
    const { replicas: _replicas, ...release } = canaryInput().release;
    const admitted = validateRequest('canary', canaryInput({ preset: 'AllAtOnce' }, { release }));
    // Act
    const withReplicas = validateWithReplicas('canary', admitted, 3, 'release.replicas is not given:');
    // Assess
    expect(withReplicas.release.replicas).toBe(3);
    expect(withReplicas.canary.steps).toEqual([]);
  });

  it('refuses a malformed percentage', () => {
    expect(
      validationMessageOf(() => validateRequest('rolling', rollingInput({ maxSurge: '150%' }))),
    ).toContain(
      'rolling.maxSurge: must be an integer >= 0 or a percentage 0%-100% like \'25%\' (got "150%")',
    );
  });
});

describe('validateRequest (Kubernetes track template)', () => {
  const eks = { type: 'eks', name: 'prod', region: 'eu-west-1', containerPort: 8080 };
  const onCluster = (cluster: Record<string, unknown>, base: Record<string, unknown> = eks) =>
    canaryInput(undefined, {
      release: { version: 'v2', image: 'registry.example/checkout:v2' },
      cluster: { ...base, ...cluster },
    });

  it('takes readinessPath, resources and minReadySeconds on eks and kubeconfig clusters', () => {
    // Prepare
    const template = {
      readinessPath: '/ready',
      resources: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '0.5', memory: '1Gi' } },
      minReadySeconds: 10,
    };
    // Act
    const onEks = validateRequest('canary', onCluster(template)).cluster;
    const onKubeconfig = validateRequest(
      'canary',
      onCluster({ ...template, readinessPath: false }, { type: 'kubeconfig', context: 'kind-cutover' }),
    ).cluster;
    // Assess
    expect(onEks).toMatchObject(template);
    expect(onKubeconfig).toMatchObject({ type: 'kubeconfig', ...template, readinessPath: false });
  });

  it('names a bad readinessPath, resource quantity or minReadySeconds with what is allowed', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest(
        'canary',
        onCluster({
          readinessPath: 'healthz',
          resources: { requests: { cpu: '250 millicores', gpu: '1' }, limits: { memory: '-1Gi' } },
          minReadySeconds: 4000,
        }),
      ),
    );
    const notAPath = validationMessageOf(() => validateRequest('canary', onCluster({ readinessPath: true })));
    const tooSlow = validationMessageOf(() =>
      validateRequest('canary', { ...onCluster({ minReadySeconds: 300 }), progressDeadlineSeconds: 300 }),
    );
    // Assess
    expect(message).toContain(
      'cluster.readinessPath: must be an HTTP path starting with \'/\' (e.g. /healthz), or false for no probe (got "healthz")',
    );
    expect(message).toContain(
      'cluster.resources.requests.cpu: must be a Kubernetes quantity like 250m, 0.5, 512Mi or 1Gi (got "250 millicores")',
    );
    expect(message).toContain('cluster.resources.requests: unknown field gpu (allowed: cpu, memory)');
    expect(message).toContain('cluster.resources.limits.memory: must be a Kubernetes quantity');
    expect(message).toContain('cluster.minReadySeconds: must be an integer 0-3600 (got 4000)');
    expect(notAPath).toContain(
      "cluster.readinessPath: must be an HTTP path starting with '/' (e.g. /healthz), or false for no probe (got true)",
    );
    expect(tooSlow).toContain(
      "cluster.minReadySeconds: must be below the Deployment's progress deadline, 300 s (cluster.progressDeadlineSeconds, else progressDeadlineSeconds) (got 300)",
    );
  });
  it('refuses a readinessPath without containerPort on eks and kubeconfig, naming the port the probe checks', () => {
    // Prepare
    const { containerPort: _port, ...eksWithoutPort } = eks;
    const kubeconfig = { type: 'kubeconfig', context: 'kind-cutover' };
    // Act
    const onEks = validationMessageOf(() =>
      validateRequest('canary', onCluster({ readinessPath: '/ready' }, eksWithoutPort)),
    );
    const onKubeconfig = validationMessageOf(() =>
      validateRequest('rolling', {
        ...rollingInput(
          {},
          { release: { version: 'v2', image: 'registry.example/checkout:v2', replicas: 2 } },
        ),
        cluster: { ...kubeconfig, readinessPath: '/healthz' },
        traffic: { type: 'gateway-api', httpRoute: 'checkout' },
      }),
    );
    // Assess
    const needsPort =
      "  - cluster.readinessPath: needs cluster.containerPort: the readiness probe is an HTTP GET on the container's " +
      'port http, which containerPort declares (or give false for no probe)';
    expect(onEks.split('\n')).toEqual(['invalid canary request:', needsPort]);
    expect(onKubeconfig.split('\n')).toEqual(['invalid rolling request:', needsPort]);
    expect(() =>
      validateRequest('canary', onCluster({ readinessPath: false }, { ...kubeconfig })),
    ).not.toThrow();
  });

  it('refuses a resource request above its limit, comparing quantities across suffixes', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest(
        'canary',
        onCluster({
          resources: { requests: { cpu: '1.5', memory: '2Gi' }, limits: { cpu: '1500m', memory: '2000Mi' } },
        }),
      ),
    );
    const within = validateRequest(
      'canary',
      onCluster({
        resources: { requests: { cpu: '500m', memory: '1e9' }, limits: { cpu: '0.5', memory: '1G' } },
      }),
    ).cluster;
    // Assess
    expect(message).toContain(
      'cluster.resources.requests.memory: must not exceed limits.memory, 2000Mi (got "2Gi")',
    );
    expect(message).not.toContain('requests.cpu');
    expect(within).toMatchObject({ resources: { limits: { cpu: '0.5', memory: '1G' } } });
  });

  it('names a malformed quantity alone when the other side of the request/limit pair is valid', () => {
    // Act
    const request = validationMessageOf(() =>
      validateRequest(
        'canary',
        onCluster({ resources: { requests: { memory: '1GB' }, limits: { memory: '1Gi' } } }),
      ),
    );
    const limit = validationMessageOf(() =>
      validateRequest(
        'canary',
        onCluster({ resources: { requests: { cpu: '250m' }, limits: { cpu: 'x' } } }),
      ),
    );
    // Assess
    expect(request.split('\n')).toEqual([
      'invalid canary request:',
      '  - cluster.resources.requests.memory: must be a Kubernetes quantity like 250m, 0.5, 512Mi or 1Gi (got "1GB")',
    ]);
    expect(limit.split('\n')).toEqual([
      'invalid canary request:',
      '  - cluster.resources.limits.cpu: must be a Kubernetes quantity like 250m, 0.5, 512Mi or 1Gi (got "x")',
    ]);
  });
});

describe('validateRequest (hooks)', () => {
  const hook = (name: string, timeoutSeconds?: number) => ({
    name,
    url: `https://tests.internal/${name}`,
    ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
  });

  it('defaults a webhook timeout to 60 s', () => {
    const request = validateRequest(
      'rolling',
      rollingInput({}, { hooks: { beforeTraffic: [hook('smoke')] } }),
    );
    expect(request.hooks?.beforeTraffic).toEqual([{ ...hook('smoke'), timeoutSeconds: 60 }]);
  });

  it('names a bad webhook field, and timeouts adding up to more than one task has', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest(
        'canary',
        canaryInput(undefined, {
          hooks: {
            beforeTraffic: [{ name: 'Smoke', url: 'file:///etc/passwd' }, hook('a', 600), hook('b', 300)],
          },
        }),
      ),
    );
    // Assess
    expect(message).toContain('hooks.beforeTraffic[0].name: must be lowercase letters');
    expect(message).toContain('hooks.beforeTraffic[0].url: must be an http:// or https:// URL');
    expect(message).toContain('hooks.beforeTraffic: timeoutSeconds must add up to at most 840');
    expect(
      validationMessageOf(() =>
        validateRequest(
          'canary',
          canaryInput(undefined, {
            hooks: { beforeTraffic: [{ name: 'ci', url: 'https://ci:s3cr3t@tests.internal/run' }] },
          }),
        ),
      ),
    ).toContain(
      "hooks.beforeTraffic[0].url: must not hold credentials (user:password@): it is recorded in the execution's history",
    );
  });

  it('takes a Secrets Manager ARN for the headers of a webhook, and names one that is not', () => {
    // Prepare
    const headersSecretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hooks/ci-AbCdEf';
    // Act
    const request = validateRequest(
      'canary',
      canaryInput(undefined, { hooks: { beforeTraffic: [{ ...hook('smoke'), headersSecretArn }] } }),
    );
    const message = validationMessageOf(() =>
      validateRequest(
        'canary',
        canaryInput(undefined, {
          hooks: { beforeTraffic: [{ ...hook('smoke'), headersSecretArn: 'Bearer s3cr3t' }] },
        }),
      ),
    );
    // Assess
    expect(request.hooks?.beforeTraffic?.[0]?.headersSecretArn).toBe(headersSecretArn);
    expect(message).toContain(
      'hooks.beforeTraffic[0].headersSecretArn: must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>) (got "Bearer s3cr3t")',
    );
  });

  it('refuses a hook on a link-local or unspecified address, where instance metadata answers', () => {
    // Prepare
    const withUrl = (url: string) =>
      canaryInput(undefined, { hooks: { beforeTraffic: [{ ...hook('smoke'), url }] } });
    // Act
    const refused = [
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/',
      'http://[fd00:ec2::254]/latest',
      'http://0.0.0.0:8080/',
    ].map((url) => validationMessageOf(() => validateRequest('canary', withUrl(url))));
    const taken = validateRequest('canary', withUrl('http://127.0.0.1:8080/smoke'));
    // Assess
    for (const message of refused) {
      expect(message).toContain(
        'hooks.beforeTraffic[0].url: must not be a link-local or unspecified address (169.254.0.0/16, fe80::/10, fd00:ec2::254, 0.0.0.0, ::), where instance metadata answers',
      );
    }
    expect(taken.hooks?.beforeTraffic?.[0]?.url).toBe('http://127.0.0.1:8080/smoke');
  });

  it('refuses a partial secret ARN, which could never be read, naming the whole form', () => {
    // Act
    const messages = [
      'arn:aws:secretsmanager:',
      'arn:aws:secretsmanager:eu-west-1:123456789012:hooks/ci',
      'arn:aws:secretsmanager:eu-west-1:1234:secret:hooks/ci',
    ].map((headersSecretArn) =>
      validationMessageOf(() =>
        validateRequest(
          'canary',
          canaryInput(undefined, { hooks: { beforeTraffic: [{ ...hook('smoke'), headersSecretArn }] } }),
        ),
      ),
    );
    // Assess
    for (const message of messages) {
      expect(message).toContain(
        'hooks.beforeTraffic[0].headersSecretArn: must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>)',
      );
    }
  });

  it('takes a Secrets Manager ARN as the signing key of a webhook, over http or https', () => {
    // Prepare
    const signingSecretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hooks/signing-MnOpQr';
    const withUrl = (url: string) =>
      canaryInput(undefined, { hooks: { beforeTraffic: [{ name: 'smoke', url, signingSecretArn }] } });
    // Act
    const request = validateRequest('canary', withUrl('https://ci.internal/trigger'));
    const overHttp = validateRequest('canary', withUrl('http://ci.internal/trigger'));
    // Assess
    expect(request.hooks?.beforeTraffic?.[0]?.signingSecretArn).toBe(signingSecretArn);
    expect(overHttp.hooks?.beforeTraffic?.[0]?.signingSecretArn).toBe(signingSecretArn);
  });

  it('refuses a signing secret that is not a whole secret ARN, naming the field', () => {
    // Act
    const messages = [
      'k3y-5f0c1e8d2b7a4963-e1d0c9b8a7f6e5d4',
      'arn:aws:secretsmanager:eu-west-1:123456789012:hooks/signing',
      'arn:aws:secretsmanager:eu-west-1:1234:secret:hooks/signing',
    ].map((signingSecretArn) =>
      validationMessageOf(() =>
        validateRequest(
          'canary',
          canaryInput(undefined, { hooks: { afterTraffic: [{ ...hook('e2e'), signingSecretArn }] } }),
        ),
      ),
    );
    // Assess
    for (const message of messages) {
      expect(message).toContain(
        'hooks.afterTraffic[0].signingSecretArn: must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<12-digit account>:secret:<name>)',
      );
    }
  });

  it('sends a secret’s headers over https only, or to this machine', () => {
    // Prepare
    const headersSecretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:hooks/ci-AbCdEf';
    const withUrl = (url: string) =>
      canaryInput(undefined, { hooks: { beforeTraffic: [{ name: 'smoke', url, headersSecretArn }] } });
    // Act
    const message = validationMessageOf(() =>
      validateRequest('canary', withUrl('http://ci.internal/trigger')),
    );
    // Assess
    expect(message).toContain(
      'hooks.beforeTraffic[0].url: must be an https:// URL when headersSecretArn sends credentials (http:// only to this machine: 127.x.x.x, [::1] or localhost)',
    );
    expect(() => validateRequest('canary', withUrl('http://127.0.0.1:9000/smoke'))).not.toThrow();
    expect(() => validateRequest('canary', withUrl('https://ci.internal/trigger'))).not.toThrow();
  });
});

describe('validateRequest (afterTraffic hooks)', () => {
  const hook = (name: string, timeoutSeconds = 60) => ({
    name,
    url: `https://tests.internal/${name}`,
    timeoutSeconds,
  });

  it('takes afterTraffic webhooks alone, each phase with its own 840 s', () => {
    // Act
    const request = validateRequest(
      'blue-green',
      blueGreenInput(undefined, {
        hooks: { beforeTraffic: [hook('smoke', 600)], afterTraffic: [hook('e2e', 600)] },
      }),
    );
    const afterOnly = validateRequest(
      'canary',
      canaryInput(undefined, { hooks: { afterTraffic: [hook('e2e')] } }),
    );
    // Assess
    expect(request.hooks?.afterTraffic).toEqual([hook('e2e', 600)]);
    expect(afterOnly.hooks).toEqual({ afterTraffic: [hook('e2e')] });
  });

  it('refuses a hooks block without a phase, an unknown phase, afterTraffic timeouts past 840 s and a name used twice', () => {
    // Act
    const empty = validationMessageOf(() => validateRequest('canary', canaryInput(undefined, { hooks: {} })));
    const unknown = validationMessageOf(() =>
      validateRequest('canary', canaryInput(undefined, { hooks: { afterPromotion: [hook('e2e')] } })),
    );
    const long = validationMessageOf(() =>
      validateRequest(
        'rolling',
        rollingInput({}, { hooks: { afterTraffic: [hook('a', 600), hook('b', 300)] } }),
      ),
    );
    // Assess
    expect(empty).toContain('hooks: give the webhooks of at least one phase: beforeTraffic, afterTraffic');
    expect(unknown).toContain('afterPromotion');
    expect(long).toContain(
      "hooks.afterTraffic: timeoutSeconds must add up to at most 840 (one task runs the hooks, within Lambda's 15 minutes; got 900)",
    );
    expect(
      validationMessageOf(() =>
        validateRequest(
          'canary',
          canaryInput(undefined, { hooks: { afterTraffic: [hook('a'), hook('a')] } }),
        ),
      ),
    ).toContain(
      'hooks.afterTraffic: each webhook of a phase needs a name of its own (the history and errors name them): a used twice',
    );
  });
});

describe('detectStrategy and JSON Schemas', () => {
  it('detects the strategy from the block', () => {
    expect(detectStrategy(canaryInput())).toBe('canary');
    expect(detectStrategy(blueGreenInput())).toBe('blue-green');
    expect(detectStrategy({ ...rollingInput(), canary: {} })).toBeUndefined();
  });

  it('exports a JSON Schema per strategy with the strategy block', () => {
    expect((REQUEST_JSON_SCHEMAS.canary.properties as Record<string, unknown>).canary).toBeDefined();
    expect(REQUEST_JSON_SCHEMAS.rolling.required).toEqual(
      expect.arrayContaining(['service', 'release', 'cluster', 'traffic', 'metrics']),
    );
  });
});
