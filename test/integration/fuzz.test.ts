import { afterAll, describe, expect, it } from 'vitest';
import { account, describeBooks, header } from '../helpers/accounting.js';
import {
  type Generator,
  headerSet,
  headersFor,
  keyFor,
  MAX_RECORD_BYTES,
  manyHeaders,
  pickGenerator,
  prng,
} from '../helpers/fuzz-records.js';
import { labelsOf, restRequest } from '../helpers/iris.js';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { type ProduceMessage, produce } from '../helpers/kafka-produce.js';
import { readToEnd } from '../helpers/kafka-read.js';
import type { KafkaRecord } from '../helpers/kafka-records.js';
import { createTopics, deleteTopics, uniqueStreamTopics } from '../helpers/kafka-topics.js';
import { type LoadedHandler, loadHandler } from '../helpers/lambda.js';
import { describeRun, driveLambda, sourceKey } from '../helpers/lambda-driver.js';
import { loadIrisTruth } from '../helpers/models.js';

/**
 * 10,000 bad records mixed with 1,000 good ones, through the real handler, MLServer (V2 REST) and the
 * real broker, in batches of 500 as Lambda's event source mapping would send them: every batch
 * returns with nothing left, 1,000 predictions and 10,000 error records come out, none lost, none twice.
 *
 * Reproduce a failure with the seed it prints: `FUZZ_SEED=<seed> npx vitest run test/integration/fuzz.test.ts`.
 */

const GOOD = 1_000;
const BAD = 10_000;
const PARTITIONS = 4;
const BATCH_SIZE = 500;

const handlers: LoadedHandler[] = [];
const topics: string[] = [];

afterAll(async () => {
  await Promise.all(handlers.map((h) => h.shutdown()));
  await deleteTopics(topics).catch(() => undefined);
  await closeKafkaHelpers();
});

describe('fuzz: bad records never block a batch and are never lost', () => {
  it(`${BAD} bad records among ${GOOD} good ones (V2 on MLServer) → ${GOOD} outputs + ${BAD} error records`, async () => {
    // Prepare
    const seed = Number(process.env['FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`[fuzz] seed ${seed} (replay with FUZZ_SEED=${seed})`);
    const rng = prng(seed);
    const truth = loadIrisTruth();
    const { input, output, errors } = uniqueStreamTopics('fuzz');
    topics.push(input, output, errors);
    await createTopics([input, output, errors], PARTITIONS);

    type Planned = { message: ProduceMessage; generator?: Generator; label?: number };
    const planned: Planned[] = [];
    for (let i = 0; i < GOOD + BAD; i++) planned.push({ message: { value: null } });
    // Which slots are good: GOOD of them, spread by the seed.
    const slots = planned.map((_, i) => i);
    for (let i = slots.length - 1; i > 0; i--) {
      const j = rng.int(0, i);
      [slots[i], slots[j]] = [slots[j]!, slots[i]!];
    }
    const good = new Set(slots.slice(0, GOOD));
    const withManyHeaders = slots[0]!;
    for (const [i, p] of planned.entries()) {
      const base = { key: keyFor(rng, i), partition: rng.int(0, PARTITIONS - 1) };
      if (good.has(i)) {
        const r = rng.int(0, truth.rows.length - 1);
        // Headers of the other transport are carried, not obeyed: a REST record with a proto-name is fine.
        const headers = headerSet(
          i === withManyHeaders ? manyHeaders() : headersFor(rng, i),
          rng.next() < 0.1 ? { 'proto-name': 'x' } : {},
        );
        p.message = { ...base, value: JSON.stringify(restRequest('v2', truth.rows[r]!)), headers };
        p.label = truth.labels[r]!;
      } else {
        const generator = pickGenerator(rng);
        const bad = generator.make(rng);
        p.message = { ...base, value: bad.value, headers: headerSet(headersFor(rng, i), bad.headers ?? {}) };
        p.generator = generator;
      }
    }
    const t0 = Date.now();
    const produced = await produce(
      input,
      planned.map((p) => p.message),
      200,
    );
    const plan = new Map(produced.map((c, i) => [sourceKey(c), planned[i]!]));
    const loaded = await loadHandler({
      MODEL_ENDPOINT: 'http://127.0.0.1:8080',
      MODEL_NAME: 'iris',
      PROTOCOL: 'v2',
      KAFKA_BROKER: '127.0.0.1:9092',
      KAFKA_INPUT_TOPIC: input,
      KAFKA_OUTPUT_TOPIC: output,
      KAFKA_ERROR_TOPIC: errors,
      MAX_RECORD_BYTES: String(MAX_RECORD_BYTES),
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    handlers.push(loaded);
    const input0 = await readToEnd(input, { timeoutMs: 120_000 });
    const started = Date.now();
    console.log(
      `[fuzz] produced and read ${input0.length} records in ${((started - t0) / 1000).toFixed(1)} s`,
    );

    // Act
    const run = await driveLambda({
      topic: input,
      records: input0,
      handler: loaded.handler,
      batchSize: BATCH_SIZE,
    });

    // Assess
    const took = Date.now() - started;
    console.log(
      `[fuzz] ${run.invocations.length} invocations in ${(took / 1000).toFixed(1)} s\n${describeRun(run)}`,
    );
    expect(run.records).toHaveLength(GOOD + BAD);
    expect(run.done).toBe(true);
    expect(run.invocations.every((i) => i.result === 'returned' && i.reported.length === 0)).toBe(true);
    expect(run.invocations).toHaveLength(Math.ceil((GOOD + BAD) / BATCH_SIZE));
    expect(run.redelivered.size).toBe(0);

    const outputs = await readToEnd(output, { timeoutMs: 120_000 });
    const errorRecords = await readToEnd(errors, { timeoutMs: 120_000 });
    console.log(
      `[fuzz] read the output and error topics in ${((Date.now() - started - took) / 1000).toFixed(1)} s`,
    );
    const books = account(run, outputs, errorRecords);
    console.log(`[fuzz] ${describeBooks(books)}`);
    expect(books.lost).toEqual([]);
    expect(books.strangers).toEqual([]);
    expect(books.onBoth).toEqual([]);
    expect(books.duplicates).toEqual([]);
    expect(outputs).toHaveLength(GOOD);
    expect(errorRecords).toHaveLength(BAD);

    const byInput = new Map(run.records.map((r) => [sourceKey(r), r]));
    for (const out of outputs) {
      const source = header(out, 'msk-inference-source')!;
      const p = plan.get(source)!;
      expect(p.generator?.name, `${source} is a good record`).toBeUndefined();
      expect(labelsOf('v2', JSON.parse(out.value!.toString()))).toEqual([p.label]);
      expect(out.key).toEqual(byInput.get(source)!.key);
      expectHeadersKept(out, byInput.get(source)!, source, ['content-type', 'proto-name']);
    }
    const kinds = new Map<string, number>();
    for (const e of errorRecords) {
      const source = header(e, 'msk-inference-source')!;
      const p = plan.get(source)!;
      const kind = header(e, 'msk-inference-error-kind');
      const reason = header(e, 'msk-inference-error');
      const what = `${source} (${p.generator?.name ?? 'good'}): ${kind}: ${reason}`;
      expect(p.generator, what).toBeDefined();
      expect(p.generator!.kinds, what).toContain(kind);
      expect(reason, what).toBeTruthy();
      kinds.set(`${p.generator!.name} → ${kind}`, (kinds.get(`${p.generator!.name} → ${kind}`) ?? 0) + 1);
      expectErrorKeepsTheRecord(e, byInput.get(source)!, what);
    }
    console.log(
      `[fuzz] error records by generator and kind:\n${[...kinds]
        .sort()
        .map(([k, n]) => `  ${k}: ${n}`)
        .join('\n')}`,
    );
  });
});

/** An error record holds the input as it came (the value truncated when too large) plus the reason. */
const expectErrorKeepsTheRecord = (e: KafkaRecord, input: KafkaRecord, what: string): void => {
  // Buffer.equals: a deep toEqual on 64 KiB values is slow.
  const same = (a: Buffer | null, b: Buffer | null) => (a ?? Buffer.alloc(0)).equals(b ?? Buffer.alloc(0));
  expect(same(e.key, input.key), `${what}: key`).toBe(true);
  expectHeadersKept(e, input, what, []);
  const truncated = header(e, 'msk-inference-truncated');
  if (truncated === undefined) {
    expect(same(e.value, input.value), `${what}: value`).toBe(true);
    return;
  }
  expect(Number(truncated), what).toBe(input.value!.length);
  expect(e.value!.length, what).toBeLessThanOrEqual(MAX_RECORD_BYTES);
  expect(same(e.value, input.value!.subarray(0, e.value!.length)), `${what}: value prefix`).toBe(true);
};

/**
 * Every header of the input is on its output or error record, repeated names in order, except the
 * `replaced` ones and every `msk-inference-*` one, which are the function's alone.
 */
const expectHeadersKept = (r: KafkaRecord, input: KafkaRecord, what: string, replaced: readonly string[]) => {
  const values = (v: Buffer | Buffer[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
  for (const name of Object.keys(input.headers)) {
    if (replaced.includes(name) || name.startsWith('msk-inference-')) continue;
    const want = values(input.headers[name]);
    const got = values(Object.hasOwn(r.headers, name) ? r.headers[name] : undefined);
    const kept = got.length === want.length && got.every((b, k) => b.equals(want[k]!));
    expect(kept, `${what}: header '${name}'`).toBe(true);
  }
  expect(values(r.headers['msk-inference-source']), `${what}: one source header`).toHaveLength(1);
};
