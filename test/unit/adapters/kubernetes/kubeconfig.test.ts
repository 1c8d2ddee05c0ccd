import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createCluster } from '#adapters/cluster/index.ts';
import { KubernetesConfigError } from '#adapters/kubernetes/errors.ts';
import { KUBECONFIG_ENV } from '#adapters/kubernetes/kubeconfig-env.ts';

const dir = mkdtempSync(join(tmpdir(), 'cutover-kubeconfig-file-'));

/** The error creating a kubeconfig cluster for `path` (the default one without) throws. */
function errorFor(path?: string): unknown {
  try {
    createCluster({ type: 'kubeconfig', ...(path === undefined ? {} : { path }) });
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('a kubeconfig cluster whose file is unusable', () => {
  afterEach(() => delete process.env[KUBECONFIG_ENV.path]);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names cluster.path and the file that is not there', () => {
    // Act
    const error = errorFor('/nonexistent/kubeconfig');
    // Assess
    expect(error).toBeInstanceOf(KubernetesConfigError);
    expect(error).toMatchObject({
      name: 'KubernetesConfigError',
      message: 'cluster.path must name a kubeconfig file: there is no /nonexistent/kubeconfig',
    });
  });

  it('says when the file is a directory, or not a kubeconfig', () => {
    // Prepare
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    // Act + Assess
    expect(errorFor(dir)).toMatchObject({
      name: 'KubernetesConfigError',
      message: `cluster.path must name a kubeconfig file: ${dir} is a directory`,
    });
    expect(errorFor(empty)).toMatchObject({
      name: 'KubernetesConfigError',
      message: `cluster.path must name a kubeconfig file: ${empty} is not one (no clusters, users or contexts in it)`,
    });
  });

  it('names the cutover local flag when the path was its default, not the request', () => {
    // Prepare: the file --kubeconfig named was removed since cutover local started
    const removed = join(dir, 'removed');
    process.env[KUBECONFIG_ENV.path] = removed;
    // Act
    const error = errorFor();
    // Assess
    expect(error).toMatchObject({
      message: `cluster.path (CUTOVER_KUBECONFIG, from cutover local --kubeconfig) must name a kubeconfig file: there is no ${removed}`,
    });
  });
});
