import { join } from 'node:path';
import type { BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';

/** ESM bundles must be able to `require` Node built-ins that CommonJS dependencies ask for. */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);";

/** Modules replaced in the bundles: `whatwg-url`, which node-fetch imports but never uses on Node (./node-url.ts). */
const ALIAS = { module: 'whatwg-url', path: join(import.meta.dirname, 'node-url.ts') };

/**
 * The esbuild settings of every task function, in the terms of `NodejsFunction`'s `bundling` (format ESM
 * is set there). The CDK app builds with them and `bench/bundles.ts` measures bundles built with them
 * ({@link taskEsbuildOptions}), so the benchmark always measures what is deployed.
 *
 * @example
 * new nodejs.NodejsFunction(this, 'Fn', { entry, bundling: { ...TASK_BUNDLING, format: nodejs.OutputFormat.ESM, target } });
 */
export const TASK_BUNDLING = {
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: ESM_REQUIRE_BANNER,
  // The Lambda Node.js runtime provides the AWS SDK v3; pg's optional native binding is never used.
  externalModules: ['@aws-sdk/*', 'pg-native'],
  esbuildArgs: { '--alias': `${ALIAS.module}=${ALIAS.path}` },
} satisfies BundlingOptions;

/**
 * The esbuild target of a Lambda Node.js runtime name (`nodejs22.x` -> `node22`).
 *
 * @example
 * bundlingTarget(lambda.Runtime.NODEJS_22_X.name); // 'node22'
 */
export function bundlingTarget(runtimeName: string): string {
  return `node${runtimeName.match(/\d+/)?.[0] ?? '22'}`;
}

/**
 * {@link TASK_BUNDLING} as the options of esbuild's `build`, as `NodejsFunction` passes them to esbuild.
 *
 * @example
 * await build({ ...taskEsbuildOptions('nodejs22.x'), entryPoints: ['lambdas/analyze/handler.ts'], outfile });
 */
export function taskEsbuildOptions(runtimeName: string): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: bundlingTarget(runtimeName),
    minify: TASK_BUNDLING.minify,
    sourcemap: TASK_BUNDLING.sourceMap,
    sourcesContent: TASK_BUNDLING.sourcesContent,
    mainFields: TASK_BUNDLING.mainFields,
    banner: { js: TASK_BUNDLING.banner },
    external: TASK_BUNDLING.externalModules,
    alias: { [ALIAS.module]: ALIAS.path },
  };
}
