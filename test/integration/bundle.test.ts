/**
 * The handler as Lambda runs it, without Docker: the esbuild bundle (`cdk.out`'s when `cdk synth`
 * made an up-to-date one, else built with the construct's options) invoked through `npm run invoke`
 * on every sample event in events/, against the real local services. This is the path `sam local
 * invoke -t cdk.out/<Stack>.template.json <FunctionId> -e events/<file>.json` takes in a container.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Protocol, Transport } from '../../functions/stream-inference/config.js';
import type { LambdaKafkaEvent } from '../../functions/stream-inference/inbound/event.js';
import { type Bundle, handlerBundle } from '../../scripts/local/bundle.js';
import { sampleEnvFile, sampleEventFile } from '../../scripts/local/generate-samples.js';
import { IRIS_SAMPLES, labelsOf, SPECIES } from '../../scripts/local/samples.js';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { readToEnd } from '../helpers/kafka-read.js';
import { headersAsStrings } from '../helpers/kafka-records.js';
import { createTopics, deleteTopics, uniqueTopic } from '../helpers/kafka-topics.js';
import { repoRoot } from '../helpers/models.js';

const run = promisify(execFile);
const TSX = join(repoRoot, 'node_modules', '.bin', 'tsx');

const cases: ReadonlyArray<readonly [Protocol, Transport, 'msk' | 'self-managed']> = [
  ['v2', 'rest', 'msk'],
  ['v2', 'rest', 'self-managed'],
  ['seldon', 'rest', 'msk'],
  ['tensorflow', 'rest', 'msk'],
  ['v2', 'grpc', 'msk'],
  ['seldon', 'grpc', 'msk'],
  ['tensorflow', 'grpc', 'msk'],
];

let workDir: string;
const bundles = new Map<Transport, Promise<Bundle>>();
const topics: string[] = [];

/** The bundle of a `transport` deployment, found or built once per file. */
const bundleFor = (transport: Transport): Promise<Bundle> => {
  let bundle = bundles.get(transport);
  if (bundle === undefined) {
    bundle = handlerBundle(
      join(workDir, `bundle-${transport}`),
      { transport, kafkaAuth: 'none', lambdaModel: false, clusterLookup: false, rootCa: false },
      process.env['BUNDLE'] === 'esbuild' ? 'esbuild' : 'cdk.out',
    ).then((b) => {
      console.log(`[bundle.test] invoking ${b.note}`);
      return b;
    });
    bundles.set(transport, bundle);
  }
  return bundle;
};

beforeAll(() => {
  workDir = mkdtempSync(join(tmpdir(), 'msk-inference-bundle-'));
});

afterAll(async () => {
  rmSync(workDir, { recursive: true, force: true });
  await deleteTopics(topics);
  await closeKafkaHelpers();
});

describe('the handler bundle on the sample events', () => {
  it.each(cases)(
    'answers events/%s-%s-%s.json with predictions on the output topic',
    async (protocol, transport, shape) => {
      // Prepare: the bundle of the transport, the sample event and its env file, with fresh output
      // and error topics.
      const bundle = await bundleFor(transport);
      const eventFile = sampleEventFile(protocol, transport, shape);
      const event = JSON.parse(readFileSync(eventFile, 'utf8')) as LambdaKafkaEvent;
      const output = uniqueTopic(`bundle-${protocol}-${transport}-out`);
      const errors = uniqueTopic(`bundle-${protocol}-${transport}-errors`);
      topics.push(output, errors);
      await createTopics([output, errors], 1);

      // Act: npm run invoke -- --handler <bundle> --event ... --env-file ... (a process of its own: cold start).
      const { stdout } = await run(
        TSX,
        [
          'scripts/local/invoke.ts',
          '--handler',
          bundle.entry,
          '--event',
          eventFile,
          '--env-file',
          sampleEnvFile(protocol, transport),
          '--env',
          `KAFKA_OUTPUT_TOPIC=${output}`,
          '--env',
          `KAFKA_ERROR_TOPIC=${errors}`,
          '--timeout-ms',
          '30000',
        ],
        { cwd: repoRoot, timeout: 60_000 },
      );

      // Assess: every record done, one prediction each, right and traceable to its input.
      expect(JSON.parse(stdout)).toEqual({ batchItemFailures: [] });
      const outs = await readToEnd(output, { expected: IRIS_SAMPLES.length, timeoutMs: 30_000 });
      expect(await readToEnd(errors)).toEqual([]);
      const inputs = Object.values(event.records).flat();
      expect(outs.map((r) => headersAsStrings(r.headers)['msk-inference-source']).sort()).toEqual(
        inputs.map((r) => `${r.topic}/${r.partition}/${r.offset}`).sort(),
      );
      for (const r of outs) {
        const sample = IRIS_SAMPLES.find((s) => s.key === r.key?.toString())!;
        const [label] = labelsOf(protocol, transport, r.value!);
        expect(SPECIES[label!], sample.key).toBe(sample.species);
        if (transport === 'grpc')
          expect(headersAsStrings(r.headers)['proto-name']).toMatch(/Response$|SeldonMessage$/);
      }
    },
  );
});
