import { describe, expect, it } from 'vitest';
import { MinHeap } from '#local/min-heap.ts';

interface Item {
  heapIndex: number;
  key: number;
  order: number;
}

const byKeyThenOrder = (a: Item, b: Item) => a.key - b.key || a.order - b.order;

describe('MinHeap', () => {
  it('gives back the least item at every pop, ties by the second key, also after removals', () => {
    // Prepare: 2,000 items of 50 keys in a shuffled order; a plain array sorted at each pop is the reference
    const items = Array.from({ length: 2_000 }, (_, order) => ({
      heapIndex: -1,
      key: (order * 7919) % 50,
      order,
    }));
    const shuffled = [...items].sort((a, b) => ((a.order * 104_729) % 2_003) - ((b.order * 104_729) % 2_003));
    const heap = new MinHeap<Item>(byKeyThenOrder);
    const held: Item[] = [];
    const popped: (Item | undefined)[] = [];
    const expected: (Item | undefined)[] = [];
    const removedTwice: boolean[] = [];
    const pop = () => {
      popped.push(heap.pop());
      expected.push(held.sort(byKeyThenOrder).shift());
    };
    // Act: after every third push a pop, after every fifth the removal of an item still held (tried twice)
    for (const [index, item] of shuffled.entries()) {
      heap.push(item);
      held.push(item);
      if (index % 3 === 2) pop();
      if (index % 5 === 4) {
        const earlier = held[(index * 31) % held.length]!;
        removedTwice.push(heap.remove(earlier), heap.remove(earlier));
        held.splice(held.indexOf(earlier), 1);
      }
    }
    const sizeAfterPushes = heap.size;
    while (heap.size > 0) pop();
    pop();
    // Assess
    expect(sizeAfterPushes).toBe(2_000 - 666 - 400);
    expect(popped).toEqual(expected);
    expect(popped.at(-1)).toBeUndefined();
    expect(removedTwice).toEqual(Array.from({ length: 800 }, (_, index) => index % 2 === 0));
    expect(items.every((item) => item.heapIndex === -1)).toBe(true);
  });
});
