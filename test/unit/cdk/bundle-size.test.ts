import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bundle, localTarget } from '../../../scripts/bench/bundle.js';

/** Issue budget for the REST bundle: what a cold start reads and parses. */
const REST_BUNDLE_BUDGET_BYTES = 400 * 1024;

describe('a self-managed REST deployment bundle', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'msk-inference-size-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('leaves the MSK client out (KAFKA_BROKER set) and stays within 400 KB', async () => {
    // GIVEN the construct's esbuild options for REST, no auth, no Lambda model, no cluster lookup
    const target = localTarget('rest');

    // WHEN bundled
    const { file, metafile } = await bundle('functions/stream-inference/index.ts', outDir, target);

    // THEN no input of the bundle comes from the MSK client or its SDK core, and the size holds
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.filter((path) => path.includes('@aws-sdk/client-kafka'))).toEqual([]);
    expect(inputs.filter((path) => path.includes('@smithy/'))).toEqual([]);
    expect(statSync(file).size).toBeLessThanOrEqual(REST_BUNDLE_BUDGET_BYTES);
  }, 120_000);
});
