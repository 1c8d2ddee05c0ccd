/** Errors of the local adapters (the local cluster, the weighted proxy, the SQLite stores). */

/** A cluster operation named a track that was never applied (or was removed). */
export class TrackNotFoundError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrackNotFoundError';
  }
}

/** A replica process could not be started (bad command, no free port). */
export class ReplicaStartError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ReplicaStartError';
  }
}
