#!/usr/bin/env node
// The `cutover` command from any directory: tsx is registered from this package's own dependencies (with
// `node --import tsx`, Node would look for it in the current directory), then the CLI itself is loaded.
// Both hooks, as `--import tsx` registers them: a project's TypeScript handlers may be ES modules or, in a
// package that is not `"type": "module"`, CommonJS.
import { register as registerCommonJs } from 'tsx/cjs/api';
import { register } from 'tsx/esm/api';

registerCommonJs();
register();
await import('./cutover.ts');
