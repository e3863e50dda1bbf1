import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { KafkaAuthentication } from '../../../lib/authentication.js';
import { KafkaInferenceStream } from '../../../lib/kafka-inference-stream.js';
import { KafkaSource } from '../../../lib/kafka-source.js';

// The one test that runs esbuild (the others skip bundling): the handler really bundles as an ES
// module with the CommonJS shim, self-contained (the protobuf descriptor is compiled in).
describe('the handler bundle', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'msk-inference-cdk-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('is one ES module with createRequire and a source map, holding only what its deployment uses', () => {
    // GIVEN an app that bundles (no aws:cdk:bundling-stacks override)
    const app = new App({ outdir });
    const stack = new Stack(app, 'BundleStack');
    new KafkaInferenceStream(stack, 'Iris', {
      source: KafkaSource.msk(
        'arn:aws:kafka:eu-west-1:123456789012:cluster/demo/abcd1234-0000-0000-0000-000000000000-1',
      ),
      inputTopic: 'iris-input',
      outputTopic: 'iris-output',
      modelEndpoint: 'http://127.0.0.1:8080',
      protocol: 'v2',
      modelName: 'iris',
      authentication: KafkaAuthentication.none(),
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
    expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    expect(bundle).toContain('tensorflow.serving.PredictRequest');
    // Nothing is left to the runtime (lib/bundling.ts: it is not shown to provide the SDK at our
    // version): the only imports left are Node's own modules.
    const imported = [...bundle.matchAll(/(?:\bfrom|\bimport\()\s*["']([^"']+)["']/g)].map((m) => m[1]);
    expect(
      imported.filter((name) => !name?.startsWith('node:') && name !== 'module' && name !== 'buffer'),
    ).toEqual([]);
    // No Lambda model, no secret, no IAM: none of the AWS SDK clients is in.
    expect(bundle).not.toContain('secretsmanager');
    expect(bundle).not.toContain('kafka-cluster:Connect');
    expect(bundle).not.toMatch(/lambda:Invoke|\/2015-03-31\/functions\//);
    // A REST deployment's bundle leaves the gRPC client out (MSK_INFERENCE_BUNDLE_TRANSPORT), and
    // its source map maps positions without carrying the sources: both cut what a cold start reads.
    expect(bundle).not.toContain('grpc.max_receive_message_length');
    const map = JSON.parse(readFileSync(join(assetDir, 'index.mjs.map'), 'utf8')) as {
      sourcesContent?: unknown;
    };
    expect(map.sourcesContent).toBeUndefined();
  }, 180_000);
});
