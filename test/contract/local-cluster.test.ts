import { type LocalDatabase, openLocalDatabase } from '#local/adapters/database.ts';
import { LocalCluster } from '#local/adapters/local-cluster.ts';
import { aCrashingRelease, anAppRelease, aTempDataDir, versionsAt } from '#test/support/local-app.ts';
import { describeClusterContract } from './cluster.contract.ts';

const temp = aTempDataDir();
let db: LocalDatabase;

describeClusterContract('local', {
  create: async () => {
    db = openLocalDatabase(temp.dataDir);
    return new LocalCluster({ db, dataDir: temp.dataDir, probeIntervalMs: 50, stopGraceMs: 2_000 });
  },
  dispose: async (cluster) => {
    await (cluster as LocalCluster).closeAll();
    db.close();
    temp.remove();
  },
  release: (version, replicas) => anAppRelease(version, replicas),
  crashingRelease: aCrashingRelease,
  observeVersions: (cluster, service, track) =>
    versionsAt((cluster as LocalCluster).readyUrls(service, track)),
  pollIntervalMs: 50,
  maxPolls: 400,
});
