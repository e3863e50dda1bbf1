/**
 * One trace from the input record to the output record, end to end: records with a W3C
 * `traceparent` on a real Kafka topic, the real handler (as a cold start imports it, no OpenTelemetry
 * SDK registered) calling the real MLServer through a proxy of this test's own, which keeps the
 * trace context each call carried (REST headers, gRPC metadata). The output and error records read
 * back from Kafka carry the child the model saw, in the input's trace.
 */
import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeMessage, GRPC_NAMES, grpcIrisBytes, grpcLabels } from '../helpers/grpc.js';
import { labelsOf, restRequest } from '../helpers/iris.js';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { type ProduceMessage, produce } from '../helpers/kafka-produce.js';
import { readToEnd } from '../helpers/kafka-read.js';
import type { KafkaRecord } from '../helpers/kafka-records.js';
import { createTopics, uniqueStreamTopics } from '../helpers/kafka-topics.js';
import { eventFromRecords, fakeContext, type LoadedHandler, loadHandler } from '../helpers/lambda.js';
import { type Closers, listen, listenGrpc, requestBody } from '../helpers/local-servers.js';
import { loadIrisTruth, modelServers } from '../helpers/models.js';
import { header } from '../helpers/outputs.js';

const MLSERVER = modelServers.mlserver;
const PARENT_ID = 'b7ad6b7169203331';
const TRACESTATE = 'congo=t61rcWkgMzE';
/** A trace id per record, so that each output can be matched to its input's trace. */
const traceIdOf = (i: number) =>
  `${(i + 1).toString(16).padStart(2, '0')}${'af7651916cd43dd8448eb211c80319'}`;
const traceparentOf = (i: number) => `00-${traceIdOf(i)}-${PARENT_ID}-01`;
const fields = (traceparent: string | undefined) => {
  const [, traceId, spanId, flags] = (traceparent ?? '').split('-');
  return { traceId, spanId, flags };
};

const closers: Closers = [];
const handlers: LoadedHandler[] = [];

afterAll(async () => {
  await Promise.all(handlers.map((h) => h.shutdown()));
  await Promise.all(closers.map((close) => close()));
  await closeKafkaHelpers();
});

/** An HTTP proxy to MLServer's REST port keeping each call's `traceparent` (undefined: none). */
const restProxy = async (): Promise<{ url: string; seen: Array<string | undefined> }> => {
  const seen: Array<string | undefined> = [];
  const url = await listen(closers, async (req, res) => {
    const traceparent = req.headers.traceparent;
    seen.push(typeof traceparent === 'string' ? traceparent : undefined);
    const answer = await fetch(`${MLSERVER.restBase}${req.url}`, {
      method: 'POST',
      body: await requestBody(req),
      headers: { 'content-type': 'application/json' },
    });
    res.writeHead(answer.status, { 'content-type': 'application/json' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  return { url, seen };
};

const identity = (b: Buffer): Buffer => b;

/** A gRPC proxy to MLServer's gRPC port keeping each call's `traceparent` metadata ([]: none). */
const grpcProxy = async (): Promise<{ address: string; seen: string[][] }> => {
  const seen: string[][] = [];
  const method = MLSERVER.grpcMethods[0]!;
  const upstream = new Client(MLSERVER.grpcAddress, credentials.createInsecure());
  closers.push(async () => upstream.close());
  const address = await listenGrpc(closers, method, (call, callback) => {
    seen.push(call.metadata.get('traceparent').map(String));
    upstream.makeUnaryRequest(
      method,
      identity,
      identity,
      call.request,
      new Metadata(),
      (error: ServiceError | null, answer?: Buffer) => callback(error, answer),
    );
  });
  return { address, seen };
};

const topics = (name: string) => uniqueStreamTopics(`tracing-${name}`);

/** Produces the records, runs the handler once on them as Lambda would, and reads both topics. */
const stream = async (
  name: string,
  env: Record<string, string>,
  sent: ProduceMessage[],
  expected: { readonly outputs: number; readonly errors: number },
) => {
  const t = topics(name);
  await createTopics([t.input, t.output, t.errors]);
  await produce(t.input, sent);
  const input = await readToEnd(t.input);
  const loaded = await loadHandler({
    ...env,
    KAFKA_INPUT_TOPIC: t.input,
    KAFKA_OUTPUT_TOPIC: t.output,
    KAFKA_ERROR_TOPIC: t.errors,
  });
  handlers.push(loaded);
  const response = await loaded.handler(eventFromRecords(input, 'msk'), fakeContext());
  const outputs = await readToEnd(t.output, { expected: expected.outputs, timeoutMs: 60_000 });
  const errors = await readToEnd(t.errors, { expected: expected.errors, timeoutMs: 60_000 });
  const byKey = (records: KafkaRecord[]) => new Map(records.map((r) => [r.key!.toString(), r]));
  return { response, outputs: byKey(outputs), errors: byKey(errors) };
};

describe('one trace from the input record to the output record, through MLServer', () => {
  it('REST: the model sees the child traceparent, and output and error records carry it', async () => {
    // Prepare: three traced iris rows, one untraced, one the model refuses (400), one that is not JSON
    const truth = loadIrisTruth();
    const proxy = await restProxy();
    const traced = (i: number) => ({ traceparent: traceparentOf(i), tracestate: TRACESTATE });
    const sent: ProduceMessage[] = [
      ...[0, 1, 2].map((i) => ({
        key: `good-${i}`,
        value: JSON.stringify(restRequest('v2', truth.rows[i]!)),
        headers: traced(i),
      })),
      { key: 'untraced', value: JSON.stringify(restRequest('v2', truth.rows[3]!)) },
      {
        key: 'refused',
        value: JSON.stringify({ ...restRequest('v2', truth.rows[4]!), outputs: [{ name: 'nope' }] }),
        headers: traced(4),
      },
      { key: 'not-json', value: '{not json', headers: traced(5) },
    ];
    const env = { PROTOCOL: 'v2', MODEL_NAME: 'iris', MODEL_ENDPOINT: proxy.url };

    // Act
    const { response, outputs, errors } = await stream('rest', env, sent, { outputs: 4, errors: 2 });

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    for (const i of [0, 1, 2]) {
      const out = outputs.get(`good-${i}`)!;
      const child = header(out, 'traceparent');
      expect(fields(child)).toMatchObject({ traceId: traceIdOf(i), flags: '01' });
      expect(fields(child).spanId).not.toBe(PARENT_ID);
      expect(proxy.seen).toContain(child);
      expect(header(out, 'tracestate')).toBe(TRACESTATE);
      expect(labelsOf('v2', JSON.parse(out.value!.toString()))).toEqual([truth.labels[i]]);
    }
    expect(header(outputs.get('untraced')!, 'traceparent')).toBeUndefined();
    expect(proxy.seen.filter((t) => t === undefined)).toHaveLength(1);
    const refused = errors.get('refused')!;
    expect(header(refused, 'msk-inference-error-kind')).toBe('model-rejected');
    expect(fields(header(refused, 'traceparent')).traceId).toBe(traceIdOf(4));
    expect(proxy.seen).toContain(header(refused, 'traceparent'));
    const notJson = errors.get('not-json')!;
    expect(header(notJson, 'msk-inference-error-kind')).toBe('decode');
    expect(fields(header(notJson, 'traceparent'))).toMatchObject({ traceId: traceIdOf(5), flags: '01' });
    expect(fields(header(notJson, 'traceparent')).spanId).not.toBe(PARENT_ID);
    expect(proxy.seen).toHaveLength(5);
  });

  it('gRPC: the model sees the child traceparent as metadata, every retry the same, and output and error records carry it', async () => {
    // Prepare: two traced iris rows, and one with 3 features, which MLServer fails (INTERNAL) each time
    const truth = loadIrisTruth();
    const proxy = await grpcProxy();
    const { request, response: answerType } = GRPC_NAMES.v2;
    const sent: ProduceMessage[] = [
      ...[0, 1].map((i) => ({
        key: `good-${i}`,
        value: grpcIrisBytes('v2', [truth.rows[i]!]),
        headers: { 'proto-name': request, traceparent: traceparentOf(i) },
      })),
      {
        key: 'failing',
        value: encodeMessage(request, {
          model_name: 'iris',
          inputs: [
            { name: 'predict', datatype: 'FP64', shape: [1, 3], contents: { fp64_contents: [1, 2, 3] } },
          ],
        }),
        headers: { 'proto-name': request, traceparent: traceparentOf(2) },
      },
    ];
    const env = {
      TRANSPORT: 'grpc',
      PROTOCOL: 'v2',
      MODEL_NAME: 'iris',
      MODEL_ENDPOINT: `grpc://${proxy.address}`,
    };

    // Act
    const { response, outputs, errors } = await stream('grpc', env, sent, { outputs: 2, errors: 1 });

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    for (const i of [0, 1]) {
      const out = outputs.get(`good-${i}`)!;
      const child = header(out, 'traceparent');
      expect(fields(child).traceId).toBe(traceIdOf(i));
      expect(fields(child).spanId).not.toBe(PARENT_ID);
      expect(proxy.seen).toContainEqual([child]);
      expect(header(out, 'proto-name')).toBe(answerType);
      expect(grpcLabels('v2', out.value!)).toEqual([truth.labels[i]]);
    }
    const failing = errors.get('failing')!;
    expect(header(failing, 'msk-inference-error-kind')).toBe('model-error');
    const child = header(failing, 'traceparent');
    expect(fields(child).traceId).toBe(traceIdOf(2));
    const attempts = proxy.seen.filter(([t]) => fields(t).traceId === traceIdOf(2));
    expect(attempts).toEqual([[child], [child], [child]]);
  });
});
