import { describe, expect, it } from 'vitest';
import { backendWeights } from '#adapters/traffic/weights.ts';

describe('backendWeights', () => {
  it('turns backend weights of any scale into percentages, adding up backends of one track', () => {
    // Act
    const weights = backendWeights([
      ['stable', 600],
      ['canary', 100],
      ['stable', 300],
    ]);
    // Assess
    expect(weights).toEqual({ stable: 90, canary: 10 });
  });

  it('reports every track at 0 when no backend has any weight: no track takes traffic yet', () => {
    // Act
    const weights = backendWeights([
      ['stable', 0],
      ['canary', 0],
    ]);
    // Assess
    expect(weights).toEqual({ stable: 0, canary: 0 });
  });

  it('leaves out backends of no track, and answers {} when none is of a track', () => {
    // Act
    const some = backendWeights([
      [undefined, 50],
      ['stable', 0],
      ['canary', 1],
    ]);
    const none = backendWeights([[undefined, 100]]);
    // Assess
    expect(some).toEqual({ stable: 0, canary: 100 });
    expect(none).toEqual({});
  });
});
