import type { Release, ServiceRef } from '#core/types.ts';
import type { LocalDatabase } from './database.ts';

/** The desired state of one track, as persisted. */
export interface StoredTrack {
  readonly service: ServiceRef;
  readonly track: string;
  readonly release: Release;
  readonly replicas: number;
  /** The directory the track's command runs in; undefined for a track stored before it was kept. */
  readonly cwd?: string;
}

interface TrackRow {
  namespace: string;
  name: string;
  track: string;
  release: string;
  replicas: number;
  cwd: string | null;
}

/**
 * The local cluster's desired state in the runtime's SQLite file (table `local_cluster_tracks`), so a
 * restarted runtime can start every track again.
 *
 * @example
 * const store = new LocalClusterStore(db);
 * store.save({ service, track: 'canary', release, replicas: 2 });
 * store.list(service); // [{ service, track: 'canary', release, replicas: 2 }]
 */
export class LocalClusterStore {
  constructor(private readonly db: LocalDatabase) {
    db.exec(`CREATE TABLE IF NOT EXISTS local_cluster_tracks (
      namespace TEXT NOT NULL, name TEXT NOT NULL, track TEXT NOT NULL,
      release TEXT NOT NULL, replicas INTEGER NOT NULL, updated_at TEXT NOT NULL,
      PRIMARY KEY (namespace, name, track))`);
    const columns = db.prepare('PRAGMA table_info(local_cluster_tracks)').all() as { name: string }[];
    // A data directory of an earlier version has no cwd column: its tracks run in the runtime's directory.
    if (!columns.some((column) => column.name === 'cwd'))
      db.exec('ALTER TABLE local_cluster_tracks ADD COLUMN cwd TEXT');
  }

  save(stored: StoredTrack): void {
    this.db
      .prepare(
        `INSERT INTO local_cluster_tracks (namespace, name, track, release, replicas, cwd, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (namespace, name, track) DO UPDATE SET
           release = excluded.release, replicas = excluded.replicas, cwd = excluded.cwd,
           updated_at = excluded.updated_at`,
      )
      .run(
        stored.service.namespace,
        stored.service.name,
        stored.track,
        JSON.stringify(stored.release),
        stored.replicas,
        stored.cwd ?? null,
        new Date().toISOString(),
      );
  }

  get(service: ServiceRef, track: string): StoredTrack | undefined {
    const row = this.db
      .prepare('SELECT * FROM local_cluster_tracks WHERE namespace = ? AND name = ? AND track = ?')
      .get(service.namespace, service.name, track) as TrackRow | undefined;
    return row && toStored(row);
  }

  delete(service: ServiceRef, track: string): void {
    this.db
      .prepare('DELETE FROM local_cluster_tracks WHERE namespace = ? AND name = ? AND track = ?')
      .run(service.namespace, service.name, track);
  }

  /** The tracks of one service, or of every service. */
  list(service?: ServiceRef): StoredTrack[] {
    const rows = service
      ? this.db
          .prepare('SELECT * FROM local_cluster_tracks WHERE namespace = ? AND name = ? ORDER BY track')
          .all(service.namespace, service.name)
      : this.db.prepare('SELECT * FROM local_cluster_tracks ORDER BY namespace, name, track').all();
    return (rows as TrackRow[]).map(toStored);
  }
}

function toStored(row: TrackRow): StoredTrack {
  return {
    service: { namespace: row.namespace, name: row.name },
    track: row.track,
    release: JSON.parse(row.release) as Release,
    replicas: row.replicas,
    ...(row.cwd === null ? {} : { cwd: row.cwd }),
  };
}
