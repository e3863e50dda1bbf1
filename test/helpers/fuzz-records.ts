/**
 * The records of the fuzz test (test/integration/fuzz.test.ts): what producers get wrong, drawn from
 * a seeded PRNG so that a failing run replays from its seed.
 */

/** Small, so that "huge" records stay cheap; the 1 MB default has its own test (limits.test.ts). */
export const MAX_RECORD_BYTES = 64 * 1024;

/** mulberry32: a small seeded PRNG, so that a failing run can be replayed from its seed. */
export const prng = (seed: number) => {
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
export type Rng = ReturnType<typeof prng>;

export interface Bad {
  readonly value: string | Buffer | null;
  readonly headers?: Record<string, string | Buffer>;
}

export interface Generator {
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

export const pickGenerator = (rng: Rng): Generator => {
  const total = GENERATORS.reduce((n, g) => n + g.weight, 0);
  let x = rng.next() * total;
  for (const g of GENERATORS) {
    x -= g.weight;
    if (x < 0) return g;
  }
  return GENERATORS.at(-1)!;
};

/** A key as producers send them: usually text, sometimes none, sometimes bytes. */
export const keyFor = (rng: Rng, i: number): string | Buffer | null => {
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
export const headerSet = (...sets: Headers[]): Headers =>
  Object.assign(Object.create(null) as Headers, ...sets);

/** Usually plain headers, sometimes hostile names with non-UTF-8 values, once in a while repeated. */
export const headersFor = (rng: Rng, i: number): Headers => {
  const h = headerSet(rng.next() < 0.5 ? { trace: `trace-${i}`, bin: rng.bytes(rng.int(0, 8)) } : {});
  if (rng.next() < 0.2) {
    for (const name of HOSTILE_NAMES) {
      if (rng.next() < 0.5) h[name] = rng.next() < 0.8 ? rng.bytes(rng.int(0, 6)) : [`${i}`, rng.bytes(3)];
    }
  }
  return h;
};

/** 10,000 headers over 100 names (40 KB, within MAX_RECORD_BYTES with a small answer). */
export const manyHeaders = (): Headers => {
  const h = headerSet();
  for (let n = 0; n < 100; n++) h[`h${n}`] = Array.from({ length: 100 }, (_, k) => Buffer.from([k]));
  return h;
};
