/**
 * Edits between two names, ignoring case: insertions, deletions, substitutions and swaps of two adjacent
 * characters (optimal string alignment), so `stpes` is one edit from `steps`.
 */
function editDistance(from: string, to: string): number {
  const [a, b] = [from.toLowerCase(), to.toLowerCase()];
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const substitution = rows[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, substitution);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      }
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/**
 * The name a misspelt one most likely meant: the nearest of `candidates`, at most a third of its length
 * (at least one edit) away; `undefined` when none is that near.
 *
 * @example
 * closestName('stpes', ['steps', 'stepWeight', 'preset']); // 'steps'
 * closestName('gpu', ['cpu', 'memory']); // 'cpu'
 * closestName('bogus', ['steps', 'preset']); // undefined
 */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  const within = Math.max(1, Math.floor(name.length / 3));
  let closest: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name, candidate);
    if (distance <= within && distance < (closest?.distance ?? Number.POSITIVE_INFINITY)) {
      closest = { name: candidate, distance };
    }
  }
  return closest?.name;
}
