import { describe, expect, it } from 'vitest';
import { AdapterRegistry } from '#adapters/registry.ts';

describe('AdapterRegistry', () => {
  it('creates the adapter registered for the type', () => {
    // Prepare
    const registry = new AdapterRegistry<{ type: string; name?: string }, string>('cluster');
    registry.register('local', (config) => `local:${config.name}`);
    // Act
    const adapter = registry.create({ type: 'local', name: 'dev' });
    // Assess
    expect(adapter).toBe('local:dev');
  });

  it('refuses an unknown type, naming the field and the allowed values', () => {
    // Prepare
    const registry = new AdapterRegistry<{ type: string }, string>('traffic');
    registry.register('local', () => 'x');
    registry.register('istio', () => 'y');
    // Act + Assess
    expect(() => registry.create({ type: 'nginx' })).toThrowError(
      'traffic.type must be one of: istio, local (got "nginx")',
    );
  });
});
