import { describe, expect, it } from 'vitest';
import { notValidJson } from '#core/json-syntax.ts';

describe('notValidJson', () => {
  const text = '{\n  "service": {\n    "name": "checkout",\n  }\n}\n';

  it('places the error by line and column from the offset Node 20 gives', () => {
    // Prepare
    const node20 = new SyntaxError('Expected double-quoted property name in JSON at position 43');
    // Act
    const message = notValidJson(text, node20);
    // Assess
    expect(message).toBe(
      'not valid JSON at line 4, column 3 (Expected double-quoted property name in JSON at position 43)',
    );
  });

  it('says the same when Node 22 adds its own line and column', () => {
    // Prepare
    const node22 = new SyntaxError(
      'Expected double-quoted property name in JSON at position 43 (line 4 column 3)',
    );
    // Act
    const message = notValidJson(text, node22);
    // Assess
    expect(message).toBe(
      'not valid JSON at line 4, column 3 (Expected double-quoted property name in JSON at position 43)',
    );
  });
});
