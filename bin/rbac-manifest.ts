#!/usr/bin/env -S npx tsx
import { ITEM_FORMS } from '#lib/cutover.ts';
import { DEPLOYERS_GROUP, READERS_GROUP, rbacManifests } from '#lib/eks-access.ts';

/**
 * Prints the Roles/RoleBindings of the Cutover deployers and readers groups:
 * `npx tsx bin/rbac-manifest.ts shop billing > rbac.json`.
 */
const namespaces = process.argv.slice(2);
if (namespaces.length === 0) {
  console.error('usage: rbac-manifest.ts <namespace>...');
  process.exit(2);
}
const [pattern, form] = ITEM_FORMS.allowedNamespaces;
const invalid = namespaces.filter((namespace) => !pattern.test(namespace));
if (invalid.length > 0) {
  for (const namespace of invalid) console.error(`rbac-manifest.ts: "${namespace}" is not ${form}`);
  process.exit(2);
}
const items = [
  ...rbacManifests(namespaces, DEPLOYERS_GROUP),
  ...rbacManifests(namespaces, READERS_GROUP, 'reader'),
];
console.log(JSON.stringify({ apiVersion: 'v1', kind: 'List', items }, null, 2));
