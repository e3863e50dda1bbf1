/**
 * The handler as Lambda runs it: the esbuild bundle `cdk synth` wrote to `cdk.out/asset.<hash>/`
 * for a function of the same target (transport, Kafka authentication, Lambda model or not) when it
 * is newer than the handler's source, else a bundle built here with the construct's own options
 * (lib/bundling.ts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { type BundleTarget, bundleTargetOf, esbuildOptions } from '../../lib/bundling.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCE_DIR = join(ROOT, 'functions', 'stream-inference');

export interface Bundle {
  /** Path of `index.mjs`. */
  readonly entry: string;
  readonly origin: 'cdk.out' | 'esbuild';
  /** What was picked and why, for the test log. */
  readonly note: string;
}

const newestMtime = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((max, e) => Math.max(max, statSync(join(e.parentPath, e.name)).mtimeMs), 0);

const sameTarget = (a: BundleTarget, b: BundleTarget): boolean =>
  a.transport === b.transport &&
  a.kafkaAuth === b.kafkaAuth &&
  a.lambdaModel === b.lambdaModel &&
  a.clusterLookup === b.clusterLookup &&
  a.rootCa === b.rootCa;

/** The variables of a template's function that are plain strings (not tokens). */
const stringVariables = (variables: Record<string, unknown> = {}): Record<string, string> =>
  Object.fromEntries(
    Object.entries(variables).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );

/**
 * The stream function's bundle in `cdk.out`: the asset of an `AWS::Lambda::Function` whose handler
 * is `index.handler`, whose environment makes the same {@link BundleTarget} (a bundle holds only
 * the code of its own) and whose asset holds `index.mjs`; the newest if several stacks have one.
 */
export const findSynthesizedBundle = (
  target: BundleTarget,
  cdkOut = join(ROOT, 'cdk.out'),
): { entry: string; functionId: string } | undefined => {
  if (!existsSync(cdkOut)) return undefined;
  const found: Array<{ entry: string; functionId: string; mtime: number }> = [];
  for (const file of readdirSync(cdkOut).filter((f) => f.endsWith('.template.json'))) {
    const template = JSON.parse(readFileSync(join(cdkOut, file), 'utf8')) as {
      Resources?: Record<
        string,
        {
          Type: string;
          Properties?: { Handler?: string; Environment?: { Variables?: Record<string, unknown> } };
          Metadata?: Record<string, unknown>;
        }
      >;
    };
    for (const [id, resource] of Object.entries(template.Resources ?? {})) {
      const asset = resource.Metadata?.['aws:asset:path'];
      if (resource.Type !== 'AWS::Lambda::Function' || resource.Properties?.Handler !== 'index.handler')
        continue;
      if (typeof asset !== 'string') continue;
      const variables = stringVariables(resource.Properties?.Environment?.Variables);
      if (!sameTarget(bundleTargetOf(variables), target)) continue;
      const entry = join(cdkOut, asset, 'index.mjs');
      if (existsSync(entry)) found.push({ entry, functionId: id, mtime: statSync(entry).mtimeMs });
    }
  }
  const newest = found.sort((a, b) => b.mtime - a.mtime)[0];
  return newest === undefined ? undefined : { entry: newest.entry, functionId: newest.functionId };
};

/**
 * Bundles the handler into `outDir/index.mjs` with the construct's options for a deployment like
 * `target`.
 *
 * @example
 * const target = { transport: 'rest', kafkaAuth: 'none', lambdaModel: false, clusterLookup: false } as const;
 * const entry = await buildBundle('/tmp/bundle', target); // '/tmp/bundle/index.mjs'
 */
export const buildBundle = async (outDir: string, target: BundleTarget): Promise<string> => {
  mkdirSync(outDir, { recursive: true });
  const entry = join(outDir, 'index.mjs');
  await build({ ...esbuildOptions(target), entryPoints: [join(SOURCE_DIR, 'index.ts')], outfile: entry });
  return entry;
};

/**
 * @param outDir where to build when `cdk.out` has no up-to-date bundle
 * @param target the deployment the bundle is for (see {@link bundleTargetOf})
 * @param prefer `'esbuild'` to build even when `cdk.out` has one
 * @example
 * const { entry, note } = await handlerBundle('/tmp/bundle', bundleTargetOf({ TRANSPORT: 'rest' }));
 */
export const handlerBundle = async (
  outDir: string,
  target: BundleTarget,
  prefer: 'cdk.out' | 'esbuild' = 'cdk.out',
): Promise<Bundle> => {
  const synthesized = prefer === 'cdk.out' ? findSynthesizedBundle(target) : undefined;
  if (synthesized !== undefined) {
    const sourceChanged = newestMtime(SOURCE_DIR) > statSync(synthesized.entry).mtimeMs;
    if (!sourceChanged) {
      return {
        entry: synthesized.entry,
        origin: 'cdk.out',
        note: `the synthesized bundle of ${synthesized.functionId}: ${synthesized.entry}`,
      };
    }
  }
  const entry = await buildBundle(outDir, target);
  const why =
    synthesized === undefined
      ? prefer === 'esbuild'
        ? 'asked for'
        : `cdk.out has no stream function bundle for ${JSON.stringify(target)} (run npx cdk synth to test that one)`
      : `cdk.out's bundle is older than functions/stream-inference (run npx cdk synth to test it)`;
  return { entry, origin: 'esbuild', note: `built with the construct's esbuild options (${why}): ${entry}` };
};
