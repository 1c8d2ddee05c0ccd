#!/usr/bin/env node
// The `cutover` command from any directory: tsx is registered from this package's own dependencies (with
// `node --import tsx`, Node would look for it in the current directory), then the CLI itself is loaded.
import { register } from 'tsx/esm/api';

register();
await import('./cutover.ts');
