import { ValidationError } from '#core/errors.ts';
import { isValidWeights, proportionalWeights } from '#core/plan/weights.ts';
import { RELEASE_TRACKS } from '#core/strategies.ts';
import type { ServiceRef, Weights } from '#core/types.ts';

/** Refuses weights that are not integers 0-100 summing to 100, naming the field; changes nothing. */
export function assertWeights(weights: Weights): void {
  if (!isValidWeights(weights)) {
    throw new ValidationError(
      `weights must be integers 0-100 summing to 100 (got ${JSON.stringify(weights)})`,
    );
  }
}

/**
 * A routing object's weights by track, from its backends' weights in its own scale (`[track, weight]`, the
 * track undefined for a backend of no track, whose weight is left out): percentages summing to 100, or,
 * when no backend of a track has any weight, every track at 0 as it is (no track takes traffic: the
 * plan's first release). `{}` with no backend of a track.
 *
 * @example
 * backendWeights([['stable', 900], ['canary', 100]]); // { stable: 90, canary: 10 }
 * backendWeights([['stable', 0], ['canary', 0]]); // { stable: 0, canary: 0 }
 */
export function backendWeights(backends: Iterable<readonly [string | undefined, number]>): Weights {
  const raw: Record<string, number> = {};
  for (const [track, weight] of backends) {
    if (track !== undefined) raw[track] = (raw[track] ?? 0) + weight;
  }
  return Object.values(raw).some((weight) => weight > 0) ? proportionalWeights(raw) : raw;
}

/** `checkout-canary`: the per-track Service (backend) name routers send a track's traffic to. */
export function backendName(service: ServiceRef, track: string): string {
  return `${service.name}-${track}`;
}

/**
 * The track a backend name stands for when it is exactly a track's per-track name (`checkout-canary` ->
 * `canary`); `undefined` for any other backend, however it is named (`checkout-api` is another service).
 * `tracks` defaults to the strategies' tracks.
 */
export function trackOfBackend(
  service: ServiceRef,
  name: string,
  tracks: Iterable<string> = RELEASE_TRACKS,
): string | undefined {
  for (const track of tracks) if (name === backendName(service, track)) return track;
  return undefined;
}

/** The tracks a weight change concerns: the strategies' tracks and any other track `weights` names. */
export function weightedTracks(weights: Weights): Set<string> {
  return new Set([...RELEASE_TRACKS, ...Object.keys(weights)]);
}

/** The tracks `weights` sends traffic to (weight above 0). */
export function trafficTracks(weights: Weights): string[] {
  return Object.keys(weights).filter((track) => (weights[track] ?? 0) > 0);
}

/**
 * True when a routing rule has a backend for every track `weights` sends traffic to: the rules a split is
 * written to (and read from). A rule pinned to one track (a header match to `checkout-stable`) is not one
 * once another track takes traffic, so it keeps its backend and weight.
 */
export function routesEveryTrack(ruleTracks: ReadonlySet<string>, weights: Weights): boolean {
  return trafficTracks(weights).every((track) => ruleTracks.has(track));
}

/**
 * Which rules get a split, given each rule's track backends: those with a backend for every track `weights`
 * sends traffic to and, of those, with backends for the most tracks. So a rule pinned to one track (a header
 * match to `checkout-stable`) keeps its backend and weight at 100/0 too, when the split rule routes to both.
 */
export function splitRules(ruleTracks: readonly ReadonlySet<string>[], weights: Weights): boolean[] {
  const routing = ruleTracks.map((tracks) => routesEveryTrack(tracks, weights));
  const widest = Math.max(0, ...ruleTracks.filter((_, i) => routing[i]).map((tracks) => tracks.size));
  return ruleTracks.map((tracks, i) => routing[i]! && tracks.size === widest);
}

/** Refuses weights naming tracks the routing object has no backend for (a weight of 0 needs none). */
export function assertRoutable(weights: Weights, routable: ReadonlySet<string>, where: string): void {
  const missing = unroutable(trafficTracks(weights), routable);
  if (missing.length > 0) {
    throw new ValidationError(
      `weights name tracks ${where} has no backend for: ${missing.join(', ')} (backends for: ${listed(routable)})`,
    );
  }
}

/**
 * Refuses tracks a routing object has no backend for, before a release routes them: `where` names the
 * request field and the object, `backendOf` what the object needs for a track.
 *
 * @example
 * assertBackendsFor(['blue', 'green'], new Set(['blue']), 'traffic.httpRoute: HTTPRoute checkout', (t) => `a backendRef to Service checkout-${t}`);
 * // ValidationError: traffic.httpRoute: HTTPRoute checkout has no backend for track green (backends for: blue): add a backendRef to Service checkout-green ...
 */
export function assertBackendsFor(
  tracks: readonly string[],
  routable: ReadonlySet<string>,
  where: string,
  backendOf: (track: string) => string,
): void {
  const missing = unroutable(tracks, routable);
  if (missing.length === 0) return;
  throw new ValidationError(
    `${where} has no backend for track${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ` +
      `(backends for: ${listed(routable)}): add ${missing.map(backendOf).join(' and ')}, with weight 0, ` +
      'before the release',
  );
}

const unroutable = (tracks: readonly string[], routable: ReadonlySet<string>) =>
  tracks.filter((track) => !routable.has(track));

const listed = (tracks: ReadonlySet<string>) => [...tracks].join(', ') || 'none';
