/** An item of a {@link MinHeap}: where it stands in the heap's array, -1 while it is in none. */
export interface HeapItem {
  heapIndex: number;
}

/**
 * A binary min-heap of items that know their place, so one can be removed in O(log n) as `push` and `pop`
 * are; `pop` gives the least item by `compare` (as `Array.prototype.sort` takes it).
 *
 * @example
 * const heap = new MinHeap<{ heapIndex: number; at: number }>((a, b) => a.at - b.at);
 * const late = { heapIndex: -1, at: 3 };
 * heap.push(late); heap.push({ heapIndex: -1, at: 1 });
 * heap.remove(late); heap.pop(); // { at: 1 }
 */
export class MinHeap<T extends HeapItem> {
  readonly #items: T[] = [];
  readonly #compare: (a: T, b: T) => number;

  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  get size(): number {
    return this.#items.length;
  }

  /** The least item, left in the heap; undefined when empty. */
  peek(): T | undefined {
    return this.#items[0];
  }

  push(item: T): void {
    this.#items.push(item);
    this.#moveUp(item, this.#items.length - 1);
  }

  /** Removes and returns the least item; undefined when empty. */
  pop(): T | undefined {
    const least = this.#items[0];
    if (least) this.remove(least);
    return least;
  }

  /** Removes `item`; false if it is not in this heap. */
  remove(item: T): boolean {
    const items = this.#items;
    const index = item.heapIndex;
    if (items[index] !== item) return false;
    item.heapIndex = -1;
    const last = items.pop()!;
    if (last !== item) {
      this.#moveDown(last, index);
      if (last.heapIndex === index) this.#moveUp(last, index);
    }
    return true;
  }

  /** Places `item` at `index` or above it, moving greater parents down. */
  #moveUp(item: T, index: number): void {
    const items = this.#items;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex]!;
      if (this.#compare(parent, item) <= 0) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = item;
    item.heapIndex = index;
  }

  /** Places `item` at `index` or below it, moving lesser children up. */
  #moveDown(item: T, index: number): void {
    const items = this.#items;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= items.length) break;
      const right = left + 1;
      const child = right < items.length && this.#compare(items[right]!, items[left]!) < 0 ? right : left;
      if (this.#compare(item, items[child]!) <= 0) break;
      items[index] = items[child]!;
      items[index]!.heapIndex = index;
      index = child;
    }
    items[index] = item;
    item.heapIndex = index;
  }
}
