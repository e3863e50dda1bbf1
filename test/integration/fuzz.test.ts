import { afterAll, describe, expect, it } from 'vitest';
import { account, describeBooks, header } from '../helpers/accounting.js';
import { labelsOf, restRequest } from '../helpers/iris.js';
import {
  closeKafkaHelpers,
  createTopics,
  deleteTopics,
  type KafkaRecord,
  type ProduceMessage,
  produce,
  readToEnd,
  uniqueTopic,
} from '../helpers/kafka.js';
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
/** Small, so that "huge" records stay cheap; the 1 MB default has its own test (limits.test.ts). */
const MAX_RECORD_BYTES = 64 * 1024;

/** mulberry32: a small seeded PRNG, so that a failing run can be replayed from its seed. */
const prng = (seed: number) => {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(0, 255)));
  return { next, int, pick, bytes };
};
type Rng = ReturnType<typeof prng>;

interface Bad {
  readonly value: string | Buffer | null;
  readonly headers?: Record<string, string | Buffer>;
}

interface Generator {
  readonly name: string;
  /** The failure kinds (`msk-inference-error-kind`) a record of this generator may end with. */
  readonly kinds: readonly string[];
  readonly weight: number;
  make(rng: Rng): Bad;
}

const v2 = (data: unknown, extra: Record<string, unknown> = {}, tensor: Record<string, unknown> = {}) =>
  JSON.stringify({
    inputs: [{ name: 'predict', shape: [1, 4], datatype: 'FP64', data, ...tensor }],
    ...extra,
  });

const row = (rng: Rng) => Array.from({ length: 4 }, () => Math.round(rng.next() * 80) / 10);

/** What a producer gets wrong, weighted roughly by how often it happens. */
const GENERATORS: readonly Generator[] = [
  {
    name: 'truncated JSON',
    kinds: ['decode'],
    weight: 15,
    make: (rng) => {
      const full = v2(row(rng));
      return { value: full.slice(0, rng.int(1, full.length - 1)) };
    },
  },
  {
    name: 'random bytes',
    kinds: ['decode', 'shape'],
    weight: 9,
    make: (rng) => ({ value: rng.bytes(rng.int(1, 2048)) }),
  },
  {
    name: 'random bytes with proto-name',
    kinds: ['decode', 'shape'],
    weight: 9,
    make: (rng) => ({
      value: rng.bytes(rng.int(1, 2048)),
      headers: {
        'proto-name': rng.pick(['inference.ModelInferRequest', 'seldon.protos.SeldonMessage', 'x']),
      },
    }),
  },
  { name: 'empty value', kinds: ['decode'], weight: 5, make: () => ({ value: '' }) },
  { name: 'null value (tombstone)', kinds: ['decode'], weight: 5, make: () => ({ value: null }) },
  {
    name: 'JSON that is not an object',
    kinds: ['shape'],
    weight: 8,
    make: (rng) => ({
      value: rng.pick(['[1,2,3]', '"text"', '42', 'null', 'true', '[]', '[{"inputs":[]}]']),
    }),
  },
  {
    name: 'wrong V2 shape',
    kinds: ['shape'],
    weight: 15,
    make: (rng) => ({
      value: rng.pick([
        '{}',
        '{"inputs":[]}',
        '{"inputs":{}}',
        '{"inputs":[1,2,3,4]}',
        '{"inputs":[null]}',
        v2([1, 2]),
        v2([1, 2, 3, 4], {}, { datatype: 'FLOAT' }),
        v2([1, 2, 3, 4], {}, { name: '' }),
        v2([1, 2, 3, 4], {}, { shape: [-1, 4] }),
        v2([1, 2, 3, 4], {}, { shape: '1,4' }),
        v2('1,2,3,4'),
        v2([1, 2, 3, 4], { outputs: {} }),
        '{"instances":[[1,2,3,4]]}',
        '{"data":{"ndarray":[[1,2,3,4]]}}',
      ]),
    }),
  },
  {
    name: 'non-numbers in a numeric tensor',
    // Shaped right, so it reaches the model (unless the V2 check looks at element types): MLServer
    // answers 500 on every try while it answers the good records, so the record is the cause.
    kinds: ['model-error', 'shape'],
    weight: 6,
    make: (rng) => ({
      value: rng.pick([
        v2(['a', 'b', 'c', 'd']),
        v2([1, 2, 3, null]),
        v2([{ a: 1 }, 2, 3, 4]),
        v2(['1', '2', '3', '4'], {}, { datatype: 'BYTES' }),
        v2([1, 2, 3, 4], {}, { shape: [2, 2] }),
        v2([1, 2, 3, 4], {}, { shape: [4] }),
      ]),
    }),
  },
  {
    name: 'NaN and Infinity',
    kinds: ['decode'],
    weight: 3,
    make: (rng) => ({
      value: v2([1, 2, 3, 4]).replace('4]', `${rng.pick(['NaN', 'Infinity', '-Infinity'])}]`),
    }),
  },
  {
    name: 'requests the model refuses (4xx)',
    kinds: ['model-rejected'],
    weight: 8,
    make: (rng) => ({
      value: rng.pick([
        // 400: the np spec takes one input; 400: an output the runtime does not have;
        // 422: parameters not an object, id not a string, a double out of range.
        JSON.stringify({
          inputs: [
            { name: 'predict', shape: [1, 4], datatype: 'FP64', data: [1, 2, 3, 4] },
            { name: 'predict', shape: [1, 4], datatype: 'FP64', data: [1, 2, 3, 4] },
          ],
        }),
        v2([1, 2, 3, 4], { outputs: [{ name: 'nope' }] }),
        v2([1, 2, 3, 4], { parameters: 5 }),
        v2([1, 2, 3, 4], { id: 5 }),
        v2([1, 2, 3, 4]).replace('[1,2,3,4]', '[1e400,2,3,4]'),
      ]),
    }),
  },
  {
    name: `huge (over MAX_RECORD_BYTES ${MAX_RECORD_BYTES})`,
    kinds: ['too-large'],
    weight: 3,
    make: (rng) => {
      const size = rng.int(MAX_RECORD_BYTES + 1, 2 * MAX_RECORD_BYTES);
      if (rng.next() < 0.5) return { value: rng.bytes(size) };
      const request = v2(row(rng), { parameters: { pad: '' } });
      return { value: request.replace('"pad":""', `"pad":"${'x'.repeat(size - request.length)}"`) };
    },
  },
  {
    name: 'deeply nested tensor data',
    // Valid JSON nested thousands of levels deep: a recursive shape check overflows the stack.
    kinds: ['shape'],
    weight: 2,
    make: (rng) => {
      const depth = rng.int(2_000, 20_000);
      return { value: v2([1, 2, 3, 4]).replace('[1,2,3,4]', `${'['.repeat(depth)}1${']'.repeat(depth)}`) };
    },
  },
  {
    name: 'byte order mark',
    kinds: ['decode'],
    weight: 2,
    make: (rng) => ({ value: `\ufeff${v2(row(rng))}` }),
  },
];

const pickGenerator = (rng: Rng): Generator => {
  const total = GENERATORS.reduce((n, g) => n + g.weight, 0);
  let x = rng.next() * total;
  for (const g of GENERATORS) {
    x -= g.weight;
    if (x < 0) return g;
  }
  return GENERATORS.at(-1)!;
};

/** A key as producers send them: usually text, sometimes none, sometimes bytes. */
const keyFor = (rng: Rng, i: number): string | Buffer | null => {
  const x = rng.next();
  return x < 0.2 ? null : x < 0.3 ? rng.bytes(rng.int(1, 16)) : `key-${i}`;
};

type Headers = Record<string, string | Buffer | Array<string | Buffer>>;

/**
 * Header names a producer may send that collide with Object.prototype's members, the empty name,
 * and our own namespace (which an input must not be able to forge).
 */
const HOSTILE_NAMES = [
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__proto__',
  '',
  'msk-inference-source',
  'msk-inference-error',
  'msk-inference-error-kind',
] as const;

/** Headers without a prototype, so that `__proto__` is a header like any other. */
const headerSet = (...sets: Headers[]): Headers => Object.assign(Object.create(null) as Headers, ...sets);

/** Usually plain headers, sometimes hostile names with non-UTF-8 values, once in a while repeated. */
const headersFor = (rng: Rng, i: number): Headers => {
  const h = headerSet(rng.next() < 0.5 ? { trace: `trace-${i}`, bin: rng.bytes(rng.int(0, 8)) } : {});
  if (rng.next() < 0.2) {
    for (const name of HOSTILE_NAMES) {
      if (rng.next() < 0.5) h[name] = rng.next() < 0.8 ? rng.bytes(rng.int(0, 6)) : [`${i}`, rng.bytes(3)];
    }
  }
  return h;
};

/** 10,000 headers over 100 names (40 KB, within MAX_RECORD_BYTES with a small answer). */
const manyHeaders = (): Headers => {
  const h = headerSet();
  for (let n = 0; n < 100; n++) h[`h${n}`] = Array.from({ length: 100 }, (_, k) => Buffer.from([k]));
  return h;
};

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
    const input = uniqueTopic('fuzz-in');
    const output = uniqueTopic('fuzz-out');
    const errors = uniqueTopic('fuzz-err');
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
