#!/usr/bin/env -S npx tsx
import { rbacManifests } from '#lib/eks-access.ts';

/** Prints the Role/RoleBinding of the Cutover deployers group: `npx tsx bin/rbac-manifest.ts shop billing > rbac.json`. */
const namespaces = process.argv.slice(2);
if (namespaces.length === 0) {
  console.error('usage: rbac-manifest.ts <namespace>...');
  process.exit(2);
}
console.log(
  JSON.stringify(
    { apiVersion: 'v1', kind: 'List', items: rbacManifests(namespaces, 'cutover-deployers') },
    null,
    2,
  ),
);
