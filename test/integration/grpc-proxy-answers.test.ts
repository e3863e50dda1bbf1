import { afterAll, describe, expect, it } from 'vitest';
import { GRPC_NAMES, grpcIrisBytes, grpcLabels } from '../helpers/grpc.js';
import { type GrpcFaultProxy, startGrpcFaultProxy } from '../helpers/grpc-fault-proxy.js';
import { GRPC_MODELS, GRPC_PROTOCOLS } from '../helpers/grpc-models.js';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { produce } from '../helpers/kafka-produce.js';
import { readToEnd } from '../helpers/kafka-read.js';
import { createTopics, deleteTopics, uniqueStreamTopics } from '../helpers/kafka-topics.js';
import { eventFromRecords, fakeContext, type LoadedHandler, loadHandler } from '../helpers/lambda.js';
import { loadIrisTruth, modelServers } from '../helpers/models.js';
import { header } from '../helpers/outputs.js';

/**
 * Each protocol's gRPC path behind a proxy of the test's own in front of the real model server that
 * answers OK with something that is not the protocol's response: an empty message, a message of
 * another service, bytes that do not decode. To the first calls once (retried, then published);
 * to poison records always (dead-lettered `model-error` after 3 attempts). No such answer may
 * reach the output topic.
 */

const PARTITIONS = 3;
const RECORDS = 60;
/** Calls answered with an empty message once, whatever they carry. */
const FIRST_CALLS_SPOILED = 8;

/** Each poison record's first feature, what the proxy answers it, and the end of its reason. */
const POISON = [
  { feature: 7.77, reply: Buffer.alloc(0), why: /\(it holds no field of [\w.]+\)$/ },
  // Field 99 (length-delimited "hi"): no response message declares it.
  {
    feature: 8.88,
    reply: Buffer.from([0x9a, 0x06, 0x02, 0x68, 0x69]),
    why: /\(it holds no field of [\w.]+\)$/,
  },
  // Field 1 with wire type 7, which protobuf does not have.
  {
    feature: 9.99,
    reply: Buffer.from([0x0f, 0x01, 0x02, 0x03]),
    why: /\(it does not decode as [\w.]+: .+\)$/,
  },
] as const;

/** Every 10th record, from the 4th, is poison: the variants in turn. */
const poisonOf = (i: number) => (i % 10 === 3 ? POISON[Math.floor(i / 10) % POISON.length] : undefined);

const handlers: LoadedHandler[] = [];
const proxies: GrpcFaultProxy[] = [];
const topics: string[] = [];

afterAll(async () => {
  await Promise.allSettled([...handlers.map((h) => h.shutdown()), ...proxies.map((p) => p.close())]);
  await deleteTopics(topics).catch(() => undefined);
  await closeKafkaHelpers();
});

const featureBytes = (feature: number) => Buffer.from(new Float64Array([feature]).buffer);

describe.each(GRPC_PROTOCOLS)('%s over gRPC behind a proxy answering what is not a response', (protocol) => {
  it('publishes only real predictions; poison answers are dead-lettered model-error after 3 attempts', async () => {
    // Prepare
    const truth = loadIrisTruth();
    const t = uniqueStreamTopics(`grpc-answers-${protocol}`);
    topics.push(t.input, t.output, t.errors);
    await createTopics([t.input, t.output, t.errors], PARTITIONS);
    const rowOf = (i: number): number[] => {
      const row = truth.rows[i % truth.rows.length]!;
      const poison = poisonOf(i);
      return poison === undefined ? row : [poison.feature, ...row.slice(1)];
    };
    await produce(
      t.input,
      Array.from({ length: RECORDS }, (_, i) => ({
        key: `key-${i}`,
        value: grpcIrisBytes(protocol, [rowOf(i)]),
        headers: { 'proto-name': GRPC_NAMES[protocol].request },
        partition: i % PARTITIONS,
      })),
    );
    const input = await readToEnd(t.input);
    let poisonCalls = 0;
    let spoiled = 0;
    const { server, method, env } = GRPC_MODELS[protocol];
    const proxy = await startGrpcFaultProxy(modelServers[server].grpcAddress, method, (n, request) => {
      const poison = POISON.find((p) => request.includes(featureBytes(p.feature)));
      if (poison !== undefined) {
        poisonCalls++;
        return { reply: poison.reply };
      }
      if (n > FIRST_CALLS_SPOILED) return 'forward';
      spoiled++;
      return { reply: Buffer.alloc(0) };
    });
    proxies.push(proxy);
    const loaded = await loadHandler({
      ...env,
      MODEL_ENDPOINT: `grpc://${proxy.address}`,
      KAFKA_INPUT_TOPIC: t.input,
      KAFKA_OUTPUT_TOPIC: t.output,
      KAFKA_ERROR_TOPIC: t.errors,
    });
    handlers.push(loaded);

    // Act
    const response = await loaded.handler(eventFromRecords(input, 'msk'), fakeContext());

    // Assess
    const poisoned = Array.from({ length: RECORDS }, (_, i) => i).filter((i) => poisonOf(i) !== undefined);
    console.log(
      `[grpc faults] ${protocol} bad answers: proxy calls ${proxy.calls()}, ${spoiled} spoiled once, ${poisonCalls} to ${poisoned.length} poison records`,
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(spoiled).toBeGreaterThan(0);
    expect(poisonCalls).toBe(3 * poisoned.length);
    const outputs = await readToEnd(t.output);
    const errors = await readToEnd(t.errors);
    expect(outputs.length + errors.length).toBe(input.length);
    expect(outputs).toHaveLength(RECORDS - poisoned.length);
    for (const out of outputs) {
      const i = Number(out.key!.toString().slice('key-'.length));
      expect(poisonOf(i)).toBeUndefined();
      expect(grpcLabels(protocol, out.value!)).toEqual([truth.labels[i % truth.rows.length]]);
    }
    expect(errors.map((e) => e.key!.toString()).sort()).toEqual(poisoned.map((i) => `key-${i}`).sort());
    for (const e of errors) {
      const poison = poisonOf(Number(e.key!.toString().slice('key-'.length)))!;
      const reason = header(e, 'msk-inference-error');
      expect(header(e, 'msk-inference-error-kind')).toBe('model-error');
      expect(reason).toMatch(/^model answered gRPC OK with a reply that is not a .+ response \(/);
      expect(reason).toMatch(poison.why);
    }
  });
});
