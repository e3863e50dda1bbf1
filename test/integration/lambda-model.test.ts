import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelsOf, restRequest } from '../helpers/iris.js';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { produce } from '../helpers/kafka-produce.js';
import { readToEnd } from '../helpers/kafka-read.js';
import type { KafkaRecord } from '../helpers/kafka-records.js';
import { createTopics, uniqueStreamTopics } from '../helpers/kafka-topics.js';
import { eventFromRecords, fakeContext, type LoadedHandler, loadHandler } from '../helpers/lambda.js';
import { type LocalServer, requestBody, startHttpServer } from '../helpers/local-servers.js';
import { loadIrisTruth, restUrl } from '../helpers/models.js';

/**
 * A local endpoint speaking the Lambda Invoke API (`POST /2015-03-31/functions/<name>/invocations`)
 * for one "function" whose code forwards the payload to the real MLServer, the way a model hosted
 * in Lambda would answer. The handler reaches it through @aws-sdk/client-lambda, pointed here by
 * AWS_ENDPOINT_URL_LAMBDA, exactly as it would reach the Lambda service.
 */
let server: LocalServer;
let endpoint = '';
const invocations: Array<{ functionName: string; signed: boolean }> = [];

beforeAll(async () => {
  server = await startHttpServer(async (req, res) => {
    const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(req.url ?? '');
    if (req.method !== 'POST' || match === null) {
      res.writeHead(404, {
        'content-type': 'application/json',
        'x-amzn-errortype': 'ResourceNotFoundException',
      });
      res.end(JSON.stringify({ message: `no route ${req.method} ${req.url}` }));
      return;
    }
    const functionName = decodeURIComponent(match[1]!);
    invocations.push({
      functionName,
      signed: String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256'),
    });
    const payload = await requestBody(req);
    const request = JSON.parse(payload.toString()) as { inputs?: Array<{ shape: number[] }> };
    if (request.inputs?.[0]?.shape[1] === 3) {
      // The function's code raises: Lambda answers 200 with X-Amz-Function-Error and the error payload.
      res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' });
      res.end(
        JSON.stringify({
          errorType: 'ValueError',
          errorMessage: 'X has 3 features, but the model expects 4',
        }),
      );
      return;
    }
    const answer = await fetch(restUrl('mlserver'), {
      method: 'POST',
      body: payload,
      headers: { 'content-type': 'application/json' },
    });
    const text = await answer.text();
    res.writeHead(200, { 'content-type': 'application/json', 'x-amz-executed-version': '$LATEST' });
    // A model behind API-Gateway-style code answers {statusCode, body}; a plain one answers the JSON itself.
    res.end(answer.ok ? text : JSON.stringify({ statusCode: answer.status, body: text }));
  });
  endpoint = server.address;
});

const handlers: LoadedHandler[] = [];

afterAll(async () => {
  await Promise.all(handlers.map((h) => h.shutdown()));
  await server.close();
  await closeKafkaHelpers();
});

const header = (r: KafkaRecord, name: string) => {
  const v = r.headers[name];
  return v === undefined ? undefined : (Array.isArray(v) ? v[0]! : v).toString();
};

describe('a model hosted in another Lambda function (MODEL_ENDPOINT=lambda:…)', () => {
  it('invokes it through @aws-sdk/client-lambda and classifies its failures like HTTP', async () => {
    // Prepare
    const truth = loadIrisTruth();
    const { input, output, errors } = uniqueStreamTopics('lambda');
    await createTopics([input, output, errors], 2);
    const good = truth.rows.map((row, i) => ({
      key: `good-${i}`,
      value: JSON.stringify(restRequest('v2', row)),
      partition: i % 2,
    }));
    const raising = {
      key: 'raises',
      value: JSON.stringify({
        inputs: [{ name: 'predict', shape: [1, 3], datatype: 'FP64', data: [1, 2, 3] }],
      }),
      partition: 0,
    };
    const refused = {
      key: 'refused',
      value: JSON.stringify({ ...restRequest('v2', truth.rows[0]!), outputs: [{ name: 'nope' }] }),
      partition: 1,
    };
    await produce(input, [...good, raising, refused]);
    const records = await readToEnd(input);
    const loaded = await loadHandler({
      MODEL_ENDPOINT: 'lambda:arn:aws:lambda:us-east-1:123456789012:function:iris-model',
      MODEL_NAME: 'iris',
      PROTOCOL: 'v2',
      KAFKA_INPUT_TOPIC: input,
      KAFKA_OUTPUT_TOPIC: output,
      KAFKA_ERROR_TOPIC: errors,
      AWS_ENDPOINT_URL_LAMBDA: endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDLOCALTEST',
      AWS_SECRET_ACCESS_KEY: 'local-test-secret',
    });
    handlers.push(loaded);

    // Act
    const response = await loaded.handler(eventFromRecords(records, 'msk'), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const outputs = await readToEnd(output, { expected: good.length });
    const errorRecords = await readToEnd(errors, { expected: 2 });
    expect(outputs.length + errorRecords.length).toBe(records.length);
    for (const out of outputs) {
      const i = Number(out.key!.toString().slice('good-'.length));
      expect(labelsOf('v2', JSON.parse(out.value!.toString()))).toEqual([truth.labels[i]]);
    }
    const kinds = Object.fromEntries(
      errorRecords.map((e) => [e.key!.toString(), header(e, 'msk-inference-error-kind')]),
    );
    expect(kinds).toEqual({ raises: 'model-error', refused: 'model-rejected' });
    expect(header(errorRecords.find((e) => e.key!.toString() === 'refused')!, 'msk-inference-status')).toBe(
      '400',
    );
    expect(new Set(invocations.map((i) => i.functionName))).toEqual(
      new Set(['arn:aws:lambda:us-east-1:123456789012:function:iris-model']),
    );
    expect(invocations.every((i) => i.signed)).toBe(true);
  });
});
