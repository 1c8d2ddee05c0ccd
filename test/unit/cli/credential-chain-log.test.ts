import { afterEach, describe, expect, it, vi } from 'vitest';
import { CredentialChainLog } from '../../../src/cli/credential-chain-log.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

/** What the SDK's default chain logs when AWS_PROFILE names a profile of no config file. */
const NO_SUCH_PROFILE = [
  '@smithy/property-provider -> AWS_PROFILE is set, skipping fromEnv provider.',
  '@aws-sdk/credential-provider-node - defaultProvider::fromSSO',
  '@smithy/property-provider -> Skipping SSO provider in default chain (inputs do not include SSO fields).',
  '@aws-sdk/credential-provider-node - defaultProvider::fromIni',
  '@aws-sdk/credential-provider-ini - fromIni',
  '@smithy/property-provider -> Could not resolve credentials using profile: [nope] in configuration/credentials file(s).',
  '@aws-sdk/credential-provider-node - defaultProvider::fromProcess',
  '@smithy/property-provider -> Profile nope could not be found in shared credentials file.',
  '@smithy/property-provider (!) Could not load credentials from any providers',
];

describe('CredentialChainLog', () => {
  it("keeps why the profile's provider failed, not the other providers' reasons", () => {
    // Prepare
    const log = new CredentialChainLog();
    // Act
    for (const line of NO_SUCH_PROFILE) log.debug(line);
    // Assess
    expect(log.profileFailure).toBe(
      'Could not resolve credentials using profile: [nope] in configuration/credentials file(s).',
    );
  });

  it('forgets the reason when the chain tries the profile again', () => {
    // Prepare
    const log = new CredentialChainLog();
    for (const line of NO_SUCH_PROFILE) log.debug(line);
    // Act
    log.debug('@aws-sdk/credential-provider-node - defaultProvider::fromIni');
    // Assess
    expect(log.profileFailure).toBeUndefined();
  });

  it("prints the credential providers' warnings only, as the SDK does without a logger", () => {
    // Prepare
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const log = new CredentialChainLog();
    // Act
    log.warn(
      '@aws-sdk/credential-provider-node - defaultProvider::fromEnv WARNING: Multiple credential sources',
    );
    log.warn('Expected boolean, got string: yes');
    log.info({ commandName: 'ListStateMachinesCommand' });
    log.error({ error: new Error('UnknownError') });
    // Assess
    expect(warn.mock.calls).toEqual([
      ['@aws-sdk/credential-provider-node - defaultProvider::fromEnv WARNING: Multiple credential sources'],
    ]);
  });
});
