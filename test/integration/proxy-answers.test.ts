import { request } from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { labelsOf, restRequest } from '../helpers/iris.js';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { produce } from '../helpers/kafka-produce.js';
import { readToEnd } from '../helpers/kafka-read.js';
import { createTopics, uniqueStreamTopics } from '../helpers/kafka-topics.js';
import { eventFromRecords, fakeContext, type LoadedHandler, loadHandler } from '../helpers/lambda.js';
import { type LocalServer, startHttpServer } from '../helpers/local-servers.js';
import { loadIrisTruth } from '../helpers/models.js';
import { header } from '../helpers/outputs.js';

/**
 * A proxy in front of the real MLServer (V2 model `iris`) that answers every Nth call 200 with
 * `{"hello":"world"}`, as a misconfigured gateway would: no such answer may reach the output topic.
 */

const PARTITIONS = 3;
const RECORDS = 60;
const EVERY = 4;

const handlers: LoadedHandler[] = [];
let proxy: LocalServer | undefined;

afterAll(async () => {
  await Promise.all(handlers.map((h) => h.shutdown()));
  await closeKafkaHelpers();
  await proxy?.close();
});

/** Forwards every call to MLServer; every EVERY-th answer is replaced. Counts what it replaced. */
const startProxy = async (): Promise<{ url: string; rewritten: () => number }> => {
  let calls = 0;
  let rewritten = 0;
  proxy = await startHttpServer((req, res) => {
    const nth = ++calls;
    const upstream = request(
      { host: '127.0.0.1', port: 8080, path: req.url, method: req.method, headers: req.headers },
      (answer) => {
        if (nth % EVERY === 0 && answer.statusCode === 200) {
          rewritten++;
          answer.resume();
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello":"world"}');
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  return { url: proxy.address, rewritten: () => rewritten };
};

describe('V2 on MLServer behind a proxy that answers every Nth call with {"hello":"world"}', () => {
  it('publishes only real predictions: in = out + errors, and every error is a model error', async () => {
    // Prepare
    const truth = loadIrisTruth();
    const t = uniqueStreamTopics('proxy');
    await createTopics([t.input, t.output, t.errors], PARTITIONS);
    await produce(
      t.input,
      Array.from({ length: RECORDS }, (_, i) => ({
        key: `key-${i}`,
        value: JSON.stringify(restRequest('v2', truth.rows[i % truth.rows.length]!)),
        partition: i % PARTITIONS,
      })),
    );
    const input = await readToEnd(t.input);
    const { url, rewritten } = await startProxy();
    const loaded = await loadHandler({
      MODEL_ENDPOINT: url,
      MODEL_NAME: 'iris',
      PROTOCOL: 'v2',
      KAFKA_INPUT_TOPIC: t.input,
      KAFKA_OUTPUT_TOPIC: t.output,
      KAFKA_ERROR_TOPIC: t.errors,
    });
    handlers.push(loaded);

    // Act
    const response = await loaded.handler(eventFromRecords(input, 'msk'), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(rewritten()).toBeGreaterThanOrEqual(RECORDS / EVERY - 1);
    const outputs = await readToEnd(t.output);
    const errors = await readToEnd(t.errors);
    expect(outputs.length + errors.length).toBe(input.length);
    for (const out of outputs) {
      const i = Number(out.key!.toString().slice('key-'.length));
      const answer = JSON.parse(out.value!.toString()) as Record<string, unknown>;
      expect(answer).not.toHaveProperty('hello');
      expect(labelsOf('v2', answer)).toEqual([truth.labels[i % truth.rows.length]]);
    }
    for (const e of errors) {
      expect(header(e, 'msk-inference-error-kind')).toBe('model-error');
      expect(header(e, 'msk-inference-error')).toMatch(/not a V2 response \(it has no outputs array\)$/);
    }
  });
});
