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

/** Names at least this long may be the start of the one meant (`bake` of `bakeSeconds`). */
const SHORTEST_START = 4;

/**
 * The name a misspelt one most likely meant: one of `candidates` a single edit away; else the only one it
 * starts, ignoring case, when at least 4 characters long (a name without its unit); else the nearest at most
 * a third of its length away; `undefined` when none is.
 *
 * @example
 * closestName('stpes', ['steps', 'stepWeight', 'preset']); // 'steps'
 * closestName('gpu', ['cpu', 'memory']); // 'cpu'
 * closestName('scaleDownDelay', ['scaleDownDelaySeconds', 'hooks']); // 'scaleDownDelaySeconds'
 * closestName('timeout', ['before', 'timeoutSeconds', 'onTimeout']); // 'timeoutSeconds'
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
  if (closest?.distance === 1) return closest.name;
  return onlyOneStartedBy(name, candidates) ?? closest?.name;
}

/** The only one of `candidates` that `name` starts (ignoring case), if it is long enough to tell. */
function onlyOneStartedBy(name: string, candidates: readonly string[]): string | undefined {
  if (name.length < SHORTEST_START) return undefined;
  const start = name.toLowerCase();
  const started = candidates.filter((candidate) => candidate.toLowerCase().startsWith(start));
  return started.length === 1 ? started[0] : undefined;
}
