import { describe, expect, it } from 'vitest';
import { validateRequest } from '#core/schemas/index.ts';
import { canaryInput } from '#test/builders/release-request.ts';
import { validationMessageOf } from '#test/support/validation.ts';

const onEks = (image: string) =>
  canaryInput(undefined, {
    release: { version: 'v2', image },
    cluster: { type: 'eks', name: 'prod', region: 'eu-west-1' },
  });

const FORM =
  'release.image: must be an image reference [registry[:port]/]path[:tag][@sha256:<64 hex digits>]';

describe('validateRequest (release.image)', () => {
  it('refuses an image with spaces or capitals in its path, saying what the form is', () => {
    // Act
    const spaces = validationMessageOf(() =>
      validateRequest('canary', onEks(' registry.example/checkout:2.0.0 ')),
    );
    const capitals = validationMessageOf(() =>
      validateRequest('canary', onEks('Registry.Example/Checkout:V2 latest')),
    );
    // Assess
    expect(spaces).toContain(FORM);
    expect(spaces).toContain('(got " registry.example/checkout:2.0.0 ")');
    expect(capitals).toContain(FORM);
    expect(capitals).toContain(
      "path components of lowercase letters and digits, separated by '/' and joined by '.', '_', '__' or '-'",
    );
    expect(capitals).toContain('(got "Registry.Example/Checkout:V2 latest")');
  });

  it.each([
    'Checkout:v2',
    'checkout:',
    'checkout:-v2',
    `checkout:${'v'.repeat(129)}`,
    'checkout:v2:v3',
    'checkout@sha256:abc123',
    'checkout@md5:0123456789abcdef0123456789abcdef',
    'https://registry.example/checkout:v2',
    'registry.example//checkout',
    'registry.example/checkout/',
    'registry.example/-checkout',
    'registry.example/check..out',
    'registry.example:port/checkout',
  ])('refuses %j', (image) => {
    expect(validationMessageOf(() => validateRequest('canary', onEks(image)))).toContain(FORM);
  });

  it.each([
    'checkout',
    'checkout:latest',
    'registry.example/checkout:2.0.0',
    'Registry.Example/checkout:V2',
    '123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout:v2',
    'localhost:5000/shop/checkout:v2_rc.1-b',
    '[::1]:5000/checkout',
    'ghcr.io/acme/check__out/api-v2.x_y:_internal',
    'docker.io/library/node@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    'registry.example/checkout:v2@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
    `registry.example/checkout@sha512:${'0123456789abcdef'.repeat(8)}`,
    `checkout:${'v'.repeat(128)}`,
  ])('takes %j', (image) => {
    expect(validateRequest('canary', onEks(image)).release.image).toBe(image);
  });
});

const withRelease = (
  release: Record<string, unknown>,
  cluster: Record<string, unknown> = { type: 'local' },
) =>
  canaryInput(undefined, {
    release: {
      version: 'v2',
      ...(cluster.type === 'local' ? { command: ['node', 'app.js'] } : {}),
      ...release,
    },
    cluster,
  });

const LABEL_VALUE =
  "release.version: must be a Kubernetes label value: 1-63 letters, digits, '.', '_' and '-', beginning and ending with a letter or digit";

describe('validateRequest (release.version)', () => {
  it.each(['2.0.0+build.7', 'v2 beta', 'v2\n', '-v2', 'v2.', 'v'.repeat(64)])(
    'refuses %j, which Kubernetes takes as no label value, naming the rule and the value',
    (version) => {
      // Act
      const message = validationMessageOf(() => validateRequest('canary', withRelease({ version })));
      // Assess
      expect(message).toContain(LABEL_VALUE);
      expect(message).toContain(`(got ${JSON.stringify(version).slice(0, 57)}`);
    },
  );

  it('refuses it on a Kubernetes cluster as on the local one', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest(
        'canary',
        withRelease(
          { version: '2.0.0+build.7', image: 'registry.example/checkout:2.0.0' },
          { type: 'eks', name: 'prod', region: 'eu-west-1' },
        ),
      ),
    );
    // Assess
    expect(message.split('\n')).toEqual([
      'invalid canary request:',
      `  - ${LABEL_VALUE} (e.g. v2.1 or 2.0.0-rc.1) (got "2.0.0+build.7")`,
    ]);
  });

  it.each(['v2', 'v2.1', '2.0.0-rc.1', 'build_7', 'v'.repeat(63)])('takes %j', (version) => {
    expect(validateRequest('canary', withRelease({ version })).release.version).toBe(version);
  });
});

describe('validateRequest (release.env)', () => {
  it('refuses a variable name Kubernetes refuses, naming the key', () => {
    // Act
    const message = validationMessageOf(() =>
      validateRequest(
        'canary',
        withRelease({ env: { LOG_LEVEL: 'debug', 'A=B': '1', '': 'x', '1ST': 'y' } }),
      ),
    );
    // Assess
    const rule =
      "must be an environment variable name: letters, digits, '_', '-' and '.', not starting with a digit (e.g. LOG_LEVEL)";
    expect(message.split('\n')).toEqual([
      'invalid canary request:',
      `  - release.env: key "A=B" ${rule}`,
      `  - release.env: key "" ${rule}`,
      `  - release.env: key "1ST" ${rule}`,
    ]);
  });

  it('takes names with letters, digits, underscores, dashes and dots', () => {
    // Prepare
    const env = { LOG_LEVEL: 'debug', 'my.var-1': 'x', _PRIVATE: 'y' };
    // Act + Assess
    expect(validateRequest('canary', withRelease({ env })).release.env).toEqual(env);
  });
});
