import { afterAll, describe, expect, it } from 'vitest';
import type { Protocol } from '../../functions/stream-inference/config.js';
import { labelsOf, restRequest } from '../helpers/iris.js';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { produce } from '../helpers/kafka-produce.js';
import { readToEnd } from '../helpers/kafka-read.js';
import { createTopics, uniqueStreamTopics } from '../helpers/kafka-topics.js';
import { eventFromRecords, fakeContext, type LoadedHandler, loadHandler } from '../helpers/lambda.js';
import { loadIrisTruth } from '../helpers/models.js';
import { expectOutputsFollowInputs, header } from '../helpers/outputs.js';

const PARTITIONS = 3;
const RECORDS = 300;

interface Case {
  label: string;
  protocol: Protocol;
  env: Record<string, string>;
  shape: 'msk' | 'self-managed';
}

const CASES: Case[] = [
  {
    label: 'v2',
    protocol: 'v2',
    shape: 'msk',
    env: { MODEL_ENDPOINT: 'http://127.0.0.1:8080', MODEL_NAME: 'iris', PROTOCOL: 'v2' },
  },
  {
    label: 'seldon',
    protocol: 'seldon',
    shape: 'self-managed',
    env: { MODEL_ENDPOINT: 'http://127.0.0.1:9000', PROTOCOL: 'seldon', SELDON_API: 'microservice' },
  },
  {
    label: 'tensorflow',
    protocol: 'tensorflow',
    shape: 'msk',
    env: { MODEL_ENDPOINT: 'http://127.0.0.1:8501', MODEL_NAME: 'iris', PROTOCOL: 'tensorflow' },
  },
  ...(['v2', 'seldon', 'tensorflow'] as const).map(
    (protocol): Case => ({
      label: `${protocol} coalesced by 16`,
      protocol,
      shape: 'msk',
      env: {
        MODEL_ENDPOINT: {
          v2: 'http://127.0.0.1:8080',
          seldon: 'http://127.0.0.1:9000',
          tensorflow: 'http://127.0.0.1:8501',
        }[protocol],
        MODEL_NAME: 'iris',
        PROTOCOL: protocol,
        SELDON_API: 'graph',
        COALESCE_MAX_RECORDS: '16',
      },
    }),
  ),
];

const handlers: LoadedHandler[] = [];

afterAll(async () => {
  await Promise.all(handlers.map((h) => h.shutdown()));
  await closeKafkaHelpers();
});

describe.each(CASES)('REST $label end to end ($shape event)', ({ protocol, env, shape }) => {
  it(`turns ${RECORDS} records over ${PARTITIONS} partitions into ${RECORDS} predictions, in order, equal to the model's own`, async () => {
    // Prepare
    const truth = loadIrisTruth();
    const t = uniqueStreamTopics(protocol);
    await createTopics([t.input, t.output, t.errors], PARTITIONS);
    const sent = Array.from({ length: RECORDS }, (_, i) => ({
      key: `key-${i}`,
      value: JSON.stringify(restRequest(protocol, truth.rows[i % truth.rows.length]!)),
      headers: { trace: `trace-${i}` },
      partition: i % PARTITIONS,
    }));
    await produce(t.input, sent);
    const input = await readToEnd(t.input);
    expect(input).toHaveLength(RECORDS);
    const loaded = await loadHandler({
      ...env,
      KAFKA_INPUT_TOPIC: t.input,
      KAFKA_OUTPUT_TOPIC: t.output,
      KAFKA_ERROR_TOPIC: t.errors,
    });
    handlers.push(loaded);

    // Act
    const response = await loaded.handler(eventFromRecords(input, shape), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const outputs = await readToEnd(t.output, { expected: RECORDS, timeoutMs: 60_000 });
    expect(outputs).toHaveLength(RECORDS);
    expect(await readToEnd(t.errors)).toHaveLength(0);
    for (const { out, source } of expectOutputsFollowInputs(outputs, input, ['trace'])) {
      expect(header(out, 'content-type')).toBe('application/json');
      const i = Number(source.key!.toString().slice('key-'.length));
      expect(labelsOf(protocol, JSON.parse(out.value!.toString()))).toEqual([
        truth.labels[i % truth.rows.length],
      ]);
    }
    expect(new Set(outputs.map((r) => r.key?.toString()))).toEqual(new Set(sent.map((s) => s.key)));
  });
});

describe('a batch mixing good and malformed records (V2 on MLServer)', () => {
  it('publishes every good record, dead-letters every bad one with a reason: in = out + errors', async () => {
    // Prepare
    const truth = loadIrisTruth();
    const t = uniqueStreamTopics('mixed');
    await createTopics([t.input, t.output, t.errors], PARTITIONS);
    const bad: Array<{ value: string; kind: string }> = [
      { value: '{"inputs":', kind: 'decode' },
      { value: 'plain text', kind: 'decode' },
      { value: '[1,2,3]', kind: 'shape' },
      { value: '{"inputs":[]}', kind: 'shape' },
      {
        value: '{"inputs":[{"name":"predict","shape":[1,4],"datatype":"FP64","data":[1,2]}]}',
        kind: 'shape',
      },
      // Well-formed V2 asking for an output the runtime does not have: MLServer answers 400.
      {
        value:
          '{"inputs":[{"name":"predict","shape":[1,4],"datatype":"FP64","data":[1,2,3,4]}],"outputs":[{"name":"nope"}]}',
        kind: 'model-rejected',
      },
      // Well-formed V2, but the model cannot take 3 features: scikit-learn raises and MLServer answers
      // 500 every time while it answers the other records, so the record, not the model, is at fault.
      {
        value: '{"inputs":[{"name":"predict","shape":[1,3],"datatype":"FP64","data":[1,2,3]}]}',
        kind: 'model-error',
      },
    ];
    const messages = Array.from({ length: 60 }, (_, i) => {
      const b = bad[i % 10];
      return {
        key: `key-${i}`,
        value:
          b === undefined ? JSON.stringify(restRequest('v2', truth.rows[i % truth.rows.length]!)) : b.value,
        partition: i % PARTITIONS,
      };
    });
    await produce(t.input, messages);
    const input = await readToEnd(t.input);
    const loaded = await loadHandler({
      MODEL_ENDPOINT: 'http://127.0.0.1:8080',
      MODEL_NAME: 'iris',
      PROTOCOL: 'kfserving',
      KAFKA_INPUT_TOPIC: t.input,
      KAFKA_OUTPUT_TOPIC: t.output,
      KAFKA_ERROR_TOPIC: t.errors,
    });
    handlers.push(loaded);

    // Act
    const response = await loaded.handler(eventFromRecords(input, 'msk'), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const badCount = messages.filter((_, i) => bad[i % 10] !== undefined).length;
    const outputs = await readToEnd(t.output, { expected: messages.length - badCount });
    const errors = await readToEnd(t.errors, { expected: badCount });
    expect(outputs.length + errors.length).toBe(input.length);
    expect(outputs).toHaveLength(messages.length - badCount);
    for (const e of errors) {
      const i = Number(e.key!.toString().slice('key-'.length));
      expect(header(e, 'msk-inference-error-kind'), `record ${i}: ${header(e, 'msk-inference-error')}`).toBe(
        bad[i % 10]!.kind,
      );
      expect(header(e, 'msk-inference-error')).toBeTruthy();
      expect(e.value?.toString()).toBe(messages[i]!.value);
    }
    const statusOf = (kind: string) =>
      header(errors.find((e) => header(e, 'msk-inference-error-kind') === kind)!, 'msk-inference-status');
    expect(statusOf('model-rejected')).toBe('400');
    expect(statusOf('model-error')).toBe('500');
  });
});
