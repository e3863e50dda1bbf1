/**
 * The handler as Lambda runs it: bundled with the CDK construct's esbuild options. The bench runs
 * that bundle (not the TypeScript source through tsx, whose per-file helpers, e.g. `__name` on
 * every named closure, cost the source a few percent that the deployed code does not pay).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { type BundleTarget, esbuildOptions } from '../../lib/bundling.js';
import type { Transport } from '../../lib/props.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Bundle {
  readonly file: string;
  readonly metafile: Metafile;
}

/** The deployment the bench measures: the local services, no Kafka authentication, no Lambda model. */
export const localTarget = (transport: Transport): BundleTarget => ({
  transport,
  kafkaAuth: 'none',
  lambdaModel: false,
  clusterLookup: false,
  rootCa: false,
});

/**
 * Bundles `entry` (a path from the repository root) into `outDir/<name>.mjs` with the construct's
 * options (lib/bundling.ts) for a deployment like `target`.
 *
 * @example
 * const { file, metafile } = await bundle('functions/stream-inference/index.ts', '/tmp/b', localTarget('rest'));
 */
export const bundle = async (
  entry: string,
  outDir: string,
  target: BundleTarget,
  name = 'index',
): Promise<Bundle> => {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${name}.mjs`);
  const result = await build({
    ...esbuildOptions(target),
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
    built = bundle(
      'functions/stream-inference/index.ts',
      join(dir, `handler-${transport}`),
      localTarget(transport),
    );
    handlerBundles.set(transport, built);
  }
  return built;
};
