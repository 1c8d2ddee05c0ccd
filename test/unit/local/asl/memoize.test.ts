import { describe, expect, it } from 'vitest';
import { memoize } from '#local/asl/expressions/memoize.ts';

describe('memoize', () => {
  it('parses each string once, starts over past its limit, and does not keep a failed parse', () => {
    // Prepare
    const parsed: string[] = [];
    const parse = memoize((source: string) => {
      parsed.push(source);
      if (source === 'bad') throw new Error('cannot parse');
      return { source };
    }, 2);
    // Act
    const first = parse('a');
    const again = parse('a');
    parse('b');
    parse('c'); // the third entry: the memo starts over
    parse('a');
    const failures = [() => parse('bad'), () => parse('bad')].map((call) => {
      try {
        call();
        return 'parsed';
      } catch (error) {
        return (error as Error).message;
      }
    });
    // Assess
    expect(again).toBe(first);
    expect(parsed).toEqual(['a', 'b', 'c', 'a', 'bad', 'bad']);
    expect(failures).toEqual(['cannot parse', 'cannot parse']);
  });

  it('starts over past its characters of sources, so large expressions cannot fill the heap', () => {
    // Prepare
    const parsed: string[] = [];
    const parse = memoize(
      (source: string) => {
        parsed.push(source);
        return source.length;
      },
      100,
      10,
    );
    // Act
    parse('aaaa');
    parse('bbbb');
    parse('aaaa');
    parse('cccc'); // 12 characters: the memo starts over with this one
    parse('aaaa');
    parse('cccc');
    // Assess
    expect(parsed).toEqual(['aaaa', 'bbbb', 'cccc', 'aaaa']);
  });
});
