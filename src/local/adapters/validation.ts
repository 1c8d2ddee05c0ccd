import { ValidationError } from '#core/errors.ts';
import { MAX_LOCAL_REPLICAS } from '#core/schemas/cluster.ts';
import type { Release, ServiceRef, Weights } from '#core/types.ts';

const NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Checks a service reference; throws `ValidationError` naming the bad field. */
export function assertServiceRef(service: ServiceRef): void {
  for (const field of ['name', 'namespace'] as const) {
    if (typeof service?.[field] !== 'string' || !NAME.test(service[field])) {
      throw new ValidationError(
        `service.${field} must be a DNS label (lowercase letters, digits, '-'; got ${JSON.stringify(service?.[field])})`,
      );
    }
  }
}

/** Checks a track name; throws `ValidationError` naming the field. */
export function assertTrackName(track: string): void {
  if (typeof track !== 'string' || !NAME.test(track)) {
    throw new ValidationError(
      `track must be a DNS label (lowercase letters, digits, '-'; got ${JSON.stringify(track)})`,
    );
  }
}

/** Checks a replica count for the local cluster. */
export function assertReplicas(replicas: number, field = 'release.replicas'): void {
  if (!Number.isInteger(replicas) || replicas < 0 || replicas > MAX_LOCAL_REPLICAS) {
    throw new ValidationError(
      `${field} must be an integer between 0 and ${MAX_LOCAL_REPLICAS} (got ${JSON.stringify(replicas)})`,
    );
  }
}

/** Checks a release the local cluster can run: a version, an argv command, string env values. */
export function assertLocalRelease(release: Release): void {
  if (typeof release?.version !== 'string' || release.version.length === 0) {
    throw new ValidationError(
      `release.version must be a non-empty string (got ${JSON.stringify(release?.version)})`,
    );
  }
  const command = release.command;
  if (!Array.isArray(command) || command.length === 0 || command.some((arg) => typeof arg !== 'string')) {
    throw new ValidationError(
      `release.command must be a non-empty argv array of strings for the local cluster, e.g. ["node", "examples/app/server.js"] (got ${JSON.stringify(command)})`,
    );
  }
  for (const [key, value] of Object.entries(release.env ?? {})) {
    if (typeof value !== 'string') {
      throw new ValidationError(`release.env.${key} must be a string (got ${JSON.stringify(value)})`);
    }
  }
  assertReplicas(release.replicas);
}

/** Checks weights: integer percents 0..100 per track, summing to 100. */
export function assertWeights(weights: Weights): void {
  const entries = Object.entries(weights ?? {});
  if (entries.length === 0) throw new ValidationError('weights must name at least one track (got {})');
  for (const [track, weight] of entries) {
    if (!NAME.test(track)) {
      throw new ValidationError(`weights: track ${JSON.stringify(track)} must be a DNS label`);
    }
    if (!Number.isInteger(weight) || weight < 0 || weight > 100) {
      throw new ValidationError(
        `weights.${track} must be an integer between 0 and 100 (got ${JSON.stringify(weight)})`,
      );
    }
  }
  const sum = entries.reduce((total, [, weight]) => total + weight, 0);
  if (sum !== 100) {
    throw new ValidationError(`weights must sum to 100 (got ${sum} from ${JSON.stringify(weights)})`);
  }
}
