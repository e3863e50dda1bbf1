/**
 * COALESCE_MAX_RECORDS=auto against the real model servers (MLServer V2 on 8080, seldon-core on
 * 9000, the TensorFlow-protocol server on 8501) and the real broker: the same records go through a
 * per-record handler and an auto-coalescing one, batch after batch as Lambda would deliver them, and
 * every record must end with the same answer (or the same error kind) both ways. In front of MLServer,
 * a proxy that answers 413 to packs above 12 rows shows the learned size settle on 12 with nothing
 * lost.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Protocol } from '../../functions/stream-inference/config.js';
import { AUTO_COALESCE } from '../../functions/stream-inference/contract.js';
import { restRequest } from '../helpers/iris.js';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { produce } from '../helpers/kafka-produce.js';
import { readToEnd } from '../helpers/kafka-read.js';
import { byPartition, type KafkaRecord } from '../helpers/kafka-records.js';
import { createTopics, uniqueTopic } from '../helpers/kafka-topics.js';
import { eventFromRecords, fakeContext, type LoadedHandler, loadHandler } from '../helpers/lambda.js';
import { loadIrisTruth } from '../helpers/models.js';
import { header } from '../helpers/outputs.js';
import { type PackLimitProxy, packLimitProxy } from '../helpers/pack-limit-proxy.js';

const PARTITIONS = 2;
const BATCHES = 10;
/** Records per partition per invocation. */
const PER_PARTITION = 32;
const LIMIT = 12;

const SERVERS: Record<Protocol, string> = {
  v2: 'http://127.0.0.1:8080',
  seldon: 'http://127.0.0.1:9000',
  tensorflow: 'http://127.0.0.1:8501',
};

const handlers: LoadedHandler[] = [];
const proxies: PackLimitProxy[] = [];

afterAll(async () => {
  await Promise.all([...handlers.map((h) => h.shutdown()), ...proxies.map((p) => p.close())]);
  await closeKafkaHelpers();
});

/**
 * Iris rows, and in every batch a record that is not JSON (refused before any call) and one with a
 * feature that is not a number (refused by the model, so a pack holding it is refused whole).
 */
const inputValue = (protocol: Protocol, i: number): string => {
  const { rows } = loadIrisTruth();
  if (i % 64 === 17) return '{"not json';
  const row = i % 64 === 40 ? ['x', 3.5, 5.4, 2.2] : rows[i % rows.length]!;
  return JSON.stringify(restRequest(protocol, row as number[]));
};

/** The input records, produced and read back, cut into the batches Lambda would deliver. */
const inputBatches = async (protocol: Protocol): Promise<{ topic: string; batches: KafkaRecord[][] }> => {
  const topic = uniqueTopic(`auto-${protocol}-in`);
  await createTopics([topic], PARTITIONS);
  const total = PARTITIONS * PER_PARTITION * BATCHES;
  await produce(
    topic,
    Array.from({ length: total }, (_, i) => ({
      key: `key-${i}`,
      value: inputValue(protocol, i),
      partition: i % PARTITIONS,
    })),
  );
  const partitions = [...byPartition(await readToEnd(topic, { expected: total })).values()];
  const batches = Array.from({ length: BATCHES }, (_, b) =>
    partitions.flatMap((records) => records.slice(b * PER_PARTITION, (b + 1) * PER_PARTITION)),
  );
  return { topic, batches };
};

/**
 * MLServer mints an `id` for each call that names none: no two runs agree on it, and the records of
 * one pack share their call's. Everything else of an answer must be the same.
 */
const comparable = (protocol: Protocol, value: string): unknown => {
  const answer = JSON.parse(value) as Record<string, unknown>;
  if (protocol !== 'v2') return answer;
  const { id: _, ...rest } = answer;
  return rest;
};

interface Run {
  /** Answer per input record (`topic/partition/offset`). */
  readonly outputs: ReadonlyMap<string, unknown>;
  /** Error kind per input record. */
  readonly errors: ReadonlyMap<string, string>;
  readonly retried: number;
}

/** Runs every batch, in order, through one handler (one warm container) and reads what it published. */
const runThrough = async (
  protocol: Protocol,
  batches: readonly KafkaRecord[][],
  env: Record<string, string>,
  beforeBatch: (index: number) => void = () => {},
): Promise<Run> => {
  const output = uniqueTopic(`auto-${protocol}-out`);
  const errors = uniqueTopic(`auto-${protocol}-err`);
  await createTopics([output, errors], PARTITIONS);
  const loaded = await loadHandler({
    MODEL_NAME: 'iris',
    PROTOCOL: protocol,
    SELDON_API: 'graph',
    RETRY_BASE_MS: '10',
    KAFKA_INPUT_TOPIC: batches[0]![0]!.topic,
    KAFKA_OUTPUT_TOPIC: output,
    KAFKA_ERROR_TOPIC: errors,
    ...env,
  });
  handlers.push(loaded);
  let retried = 0;
  for (const [index, batch] of batches.entries()) {
    beforeBatch(index);
    const response = await loaded.handler(eventFromRecords(batch, 'msk'), fakeContext());
    retried += response.batchItemFailures.length;
  }
  const source = (r: KafkaRecord) => header(r, 'msk-inference-source')!;
  return {
    outputs: new Map(
      (await readToEnd(output)).map((r) => [source(r), comparable(protocol, r.value!.toString())]),
    ),
    errors: new Map(
      (await readToEnd(errors)).map((r) => [source(r), header(r, 'msk-inference-error-kind')!]),
    ),
    retried,
  };
};

const inputs = (batches: readonly KafkaRecord[][]) => batches.reduce((n, b) => n + b.length, 0);

describe.each<Protocol>(['v2', 'seldon', 'tensorflow'])('COALESCE_MAX_RECORDS=auto on %s', (protocol) => {
  it('answers every record exactly as per-record calls do, bad records apart the same way', async () => {
    // Prepare
    const { batches } = await inputBatches(protocol);
    // A proxy that refuses nothing, to see the packs the auto run sends.
    const proxy = await packLimitProxy(SERVERS[protocol], protocol, Number.POSITIVE_INFINITY);
    proxies.push(proxy);

    // Act
    const perRecord = await runThrough(protocol, batches, {
      MODEL_ENDPOINT: SERVERS[protocol],
      COALESCE_MAX_RECORDS: '1',
    });
    const auto = await runThrough(protocol, batches, {
      MODEL_ENDPOINT: proxy.url,
      COALESCE_MAX_RECORDS: 'auto',
    });

    // Assess
    expect(Math.max(...proxy.calls.map((c) => c.rows))).toBeGreaterThanOrEqual(AUTO_COALESCE.startRecords);
    expect(auto.outputs).toEqual(perRecord.outputs);
    expect(auto.errors).toEqual(perRecord.errors);
    expect(auto.retried).toBe(0);
    expect(auto.outputs.size + auto.errors.size).toBe(inputs(batches));
    expect(auto.errors.size).toBe(2 * BATCHES);
  });
});

describe(`COALESCE_MAX_RECORDS=auto behind a proxy refusing packs above ${LIMIT} rows (MLServer V2)`, () => {
  it(`settles on packs of ${LIMIT}, and loses nothing while it learns: in = out + errors`, async () => {
    // Prepare
    const { batches } = await inputBatches('v2');
    const proxy = await packLimitProxy(SERVERS.v2, 'v2', LIMIT);
    proxies.push(proxy);
    const perRecord = await runThrough('v2', batches, {
      MODEL_ENDPOINT: SERVERS.v2,
      COALESCE_MAX_RECORDS: '1',
    });
    let lastBatchFrom = 0;

    // Act
    const auto = await runThrough(
      'v2',
      batches,
      { MODEL_ENDPOINT: proxy.url, COALESCE_MAX_RECORDS: 'auto' },
      (index) => {
        if (index === BATCHES - 1) lastBatchFrom = proxy.calls.length;
      },
    );

    // Assess: refused packs while learning, none once settled, and every answer the per-record one
    const learning = proxy.calls.slice(0, lastBatchFrom);
    const settled = proxy.calls.slice(lastBatchFrom);
    expect(learning.filter((c) => c.status === 413).length).toBeGreaterThan(0);
    expect(settled.filter((c) => c.status === 413)).toEqual([]);
    expect(Math.max(...settled.map((c) => c.rows))).toBe(LIMIT);
    expect(auto.retried).toBe(0);
    expect(auto.outputs.size + auto.errors.size).toBe(inputs(batches));
    expect(auto.outputs).toEqual(perRecord.outputs);
    expect(auto.errors).toEqual(perRecord.errors);
  });
});
