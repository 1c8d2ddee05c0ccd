/** `1h 2m 3s`, `4m 5s` or `6s`, from whole seconds. */
export function formatDuration(seconds: number): string {
  const [hours, minutes] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60)];
  if (hours > 0) return `${hours}h ${minutes}m ${seconds % 60}s`;
  return minutes > 0 ? `${minutes}m ${seconds % 60}s` : `${seconds}s`;
}

/** `1 row`, `1,725 rows`: a count with its noun, plural unless it is 1. */
export function counted(n: number, noun: string): string {
  return `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;
}

/**
 * Measurements as a person reads them, each rounded to what tells it apart: a latency (`...Ms`) to 0.1 ms, a
 * count (`...Count`) whole, a rate (any other number) to 4 decimals, as thresholds compare it.
 *
 * @example
 * measurementsShown({ requestCount: 412, errorRate: 0.045371, latencyP99Ms: 5.6189 });
 * // 'requestCount=412 errorRate=0.0454 latencyP99Ms=5.6'
 */
export function measurementsShown(measurements: object): string {
  return Object.entries(measurements)
    .map(([name, value]) => `${name}=${typeof value === 'number' ? roundedFor(name, value) : value}`)
    .join(' ');
}

function roundedFor(name: string, value: number): number {
  const decimals = name.endsWith('Ms') ? 1 : name.endsWith('Count') ? 0 : 4;
  return Number(value.toFixed(decimals));
}
