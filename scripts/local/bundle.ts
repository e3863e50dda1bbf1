/**
 * The handler as Lambda runs it: the esbuild bundle `cdk synth` wrote to `cdk.out/asset.<hash>/`
 * when that is newer than the handler's source, else a bundle built here with the options of the
 * CDK construct (lib/kafka-inference-stream.ts: ESM, minified, node22, the createRequire banner,
 * the AWS SDK left to the runtime).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SOURCE_DIR = join(ROOT, 'functions', 'stream-inference');

/** The banner NodejsFunction adds for ESM bundles, so bundled CommonJS can still `require`. */
export const ESM_BANNER =
  "import { createRequire } from 'module';const require = createRequire(import.meta.url);";

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

/**
 * The stream function's bundle in `cdk.out`: the asset of an `AWS::Lambda::Function` whose handler
 * is `index.handler` and whose asset holds `index.mjs`; the newest if several stacks have one.
 */
export const findSynthesizedBundle = (
  cdkOut = join(ROOT, 'cdk.out'),
): { entry: string; functionId: string } | undefined => {
  if (!existsSync(cdkOut)) return undefined;
  const found: Array<{ entry: string; functionId: string; mtime: number }> = [];
  for (const file of readdirSync(cdkOut).filter((f) => f.endsWith('.template.json'))) {
    const template = JSON.parse(readFileSync(join(cdkOut, file), 'utf8')) as {
      Resources?: Record<
        string,
        { Type: string; Properties?: { Handler?: string }; Metadata?: Record<string, unknown> }
      >;
    };
    for (const [id, resource] of Object.entries(template.Resources ?? {})) {
      const asset = resource.Metadata?.['aws:asset:path'];
      if (resource.Type !== 'AWS::Lambda::Function' || resource.Properties?.Handler !== 'index.handler')
        continue;
      if (typeof asset !== 'string') continue;
      const entry = join(cdkOut, asset, 'index.mjs');
      if (existsSync(entry)) found.push({ entry, functionId: id, mtime: statSync(entry).mtimeMs });
    }
  }
  const newest = found.sort((a, b) => b.mtime - a.mtime)[0];
  return newest === undefined ? undefined : { entry: newest.entry, functionId: newest.functionId };
};

/** Bundles the handler into `outDir/index.mjs` the way the CDK construct does. */
export const buildBundle = async (outDir: string): Promise<string> => {
  mkdirSync(outDir, { recursive: true });
  const entry = join(outDir, 'index.mjs');
  await build({
    entryPoints: [join(SOURCE_DIR, 'index.ts')],
    outfile: entry,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    sourcemap: true,
    mainFields: ['module', 'main'],
    banner: { js: ESM_BANNER },
    // As in the construct: the nodejs22.x runtime provides the AWS SDK.
    external: ['@aws-sdk/*'],
    logLevel: 'warning',
  });
  return entry;
};

/**
 * @param outDir where to build when `cdk.out` has no up-to-date bundle
 * @param prefer `'esbuild'` to build even when `cdk.out` has one
 */
export const handlerBundle = async (
  outDir: string,
  prefer: 'cdk.out' | 'esbuild' = 'cdk.out',
): Promise<Bundle> => {
  const synthesized = prefer === 'cdk.out' ? findSynthesizedBundle() : undefined;
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
  const entry = await buildBundle(outDir);
  const why =
    synthesized === undefined
      ? prefer === 'esbuild'
        ? 'asked for'
        : 'cdk.out has no stream function bundle (run npx cdk synth to test that one)'
      : `cdk.out's bundle is older than functions/stream-inference (run npx cdk synth to test it)`;
  return { entry, origin: 'esbuild', note: `built with the construct's esbuild options (${why}): ${entry}` };
};
