import { type LocalAdaptersHandle, registerLocalAdapters } from '#local/adapters/register.ts';
import { aTempDataDir } from '#test/support/local-app.ts';
import { describeTrafficRouterContract } from './traffic-router.contract.ts';

const temp = aTempDataDir();
let local: LocalAdaptersHandle;
let services = 0;

describeTrafficRouterContract('local', {
  create: async () => {
    local = registerLocalAdapters({ dataDir: temp.dataDir });
    return local.adapters.router;
  },
  dispose: async () => {
    await local.close();
    temp.remove();
  },
  prepareService: async () => {
    services += 1;
    return { service: { name: `routed-${services}`, namespace: 'contract' }, tracks: ['stable', 'canary'] };
  },
  readsUntouchedWeights: false,
});
