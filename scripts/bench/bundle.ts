/**
 * The handler as Lambda runs it: bundled with the CDK construct's esbuild options. The bench runs
 * that bundle (not the TypeScript source through tsx, whose per-file helpers, e.g. `__name` on
 * every named closure, cost the source a few percent that the deployed code does not pay).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import type { Transport } from '../../functions/stream-inference/config.js';
import { ESM_BANNER } from '../local/bundle.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The `bundling` of lib/kafka-inference-stream.ts (NodejsFunction): ESM, minified, source map
 * without sources content, node22, module-first main fields, the createRequire banner, the AWS SDK
 * left to the runtime, and the deployment's transport defined (see {@link bundlingFor}). Keep the
 * two in step.
 */
export const CONSTRUCT_BUNDLING: BuildOptions = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  banner: { js: ESM_BANNER },
  external: ['@aws-sdk/*'],
  logLevel: 'warning',
};

/** The construct's options for a deployment of this transport (a REST bundle leaves gRPC out). */
export const bundlingFor = (transport: Transport): BuildOptions => ({
  ...CONSTRUCT_BUNDLING,
  define: { 'process.env.MSK_INFERENCE_BUNDLE_TRANSPORT': JSON.stringify(transport) },
});

export interface Bundle {
  readonly file: string;
  readonly metafile: Metafile;
}

/**
 * Bundles `entry` (a path from the repository root) into `outDir/<name>.mjs` with the construct's
 * options for a deployment of `transport`.
 */
export const bundle = async (
  entry: string,
  outDir: string,
  transport: Transport,
  name = 'index',
): Promise<Bundle> => {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${name}.mjs`);
  const result = await build({
    ...bundlingFor(transport),
    entryPoints: [join(ROOT, entry)],
    outfile: file,
    metafile: true,
  });
  return { file, metafile: result.metafile };
};

const handlerBundles = new Map<Transport, Promise<Bundle>>();

/**
 * functions/stream-inference/index.ts bundled for a deployment of `transport`, once per bench run,
 * into `<dir>/handler-<transport>/index.mjs`.
 */
export const bundleHandler = (dir: string, transport: Transport): Promise<Bundle> => {
  let built = handlerBundles.get(transport);
  if (built === undefined) {
    built = bundle('functions/stream-inference/index.ts', join(dir, `handler-${transport}`), transport);
    handlerBundles.set(transport, built);
  }
  return built;
};
