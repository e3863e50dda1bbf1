import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaInferenceStream } from '../../../lib/kafka-inference-stream.js';
import { REPO_ROOT } from './helpers.js';

// The one test that runs esbuild (the others skip bundling): the handler really bundles as an ES
// module with the CommonJS shim, and protos/ travels with it.
describe('the handler bundle', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'msk-inference-cdk-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('is an ES module with createRequire, a source map and the protos', () => {
    // GIVEN an app that bundles (no aws:cdk:bundling-stacks override)
    const app = new App({ outdir });
    const stack = new Stack(app, 'BundleStack');
    new KafkaInferenceStream(stack, 'Iris', {
      bootstrapServers: ['127.0.0.1:9092'],
      inputTopic: 'iris-input',
      outputTopic: 'iris-output',
      modelEndpoint: 'http://127.0.0.1:8080',
      protocol: 'v2',
      modelName: 'iris',
    });
    // WHEN synthesized
    Template.fromStack(stack);
    // THEN the one asset directory of the assembly holds the bundle
    const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    const assetDir = join(outdir, assets[0] ?? '');
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(
      bundle.startsWith(
        "import { createRequire } from 'module';const require = createRequire(import.meta.url);",
      ),
    ).toBe(true);
    expect(bundle).toMatch(/export\s*\{[^}]*as handler/);
    expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    expect(statSync(join(assetDir, 'protos')).isDirectory()).toBe(true);
    const protos = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();
    expect(protos(join(assetDir, 'protos'))).toEqual(protos(join(REPO_ROOT, 'protos')));
  }, 180_000);
});
