import { describe, expect, it } from 'vitest';
import { type BatchHandler, createBatchHandler } from '../../../functions/stream-inference/batch-handler.js';
import { loadConfig, type ModelConfig, type Protocol } from '../../../functions/stream-inference/config.js';
import type { RecordFailure } from '../../../functions/stream-inference/failures.js';
import { jsonAnswerCheck } from '../../../functions/stream-inference/model/answer-check.js';
import { protocolSpec } from '../../../functions/stream-inference/model/protocols/index.js';
import type { LambdaTransport } from '../../../functions/stream-inference/model/transport/lambda.js';
import { lambdaContext, mskEvent, type RecordSpec, testConfig } from '../../helpers/factories.js';
import { FakePublisher, RowModel } from '../../helpers/fakes.js';
import { encodeMessage, GRPC_NAMES, grpcIrisBytes, listValue } from '../../helpers/grpc.js';
import { restRequest } from '../../helpers/iris.js';
import { closeAfterEach, listen, listenGrpc, requestBody } from '../../helpers/local-servers.js';
import { lambdaTransportTo } from '../../helpers/local-transports.js';

/**
 * A model (or a proxy in front of it) that answers success with something that is not the
 * protocol's response: over real HTTP, gRPC and the Lambda SDK, against servers of the test's own.
 * Such an answer is never published: it is a model error, dead-lettered once the model has answered
 * other records meanwhile, left for redelivery while it answers nothing else.
 */

const PROTOCOLS: readonly Protocol[] = ['v2', 'tensorflow', 'seldon'];
const TITLES: Record<Protocol, string> = { v2: 'V2', tensorflow: 'TensorFlow Serving', seldon: 'Seldon' };
/** The feature that makes the proxy answer badly: any other record gets the model's own answer. */
const POISON = 7.77;
const MARKER = 'PROXY-PAGE-MARKER-93af';

const BAD_BODIES = {
  'an HTML page': `<!DOCTYPE html><html><body><h1>Sign in</h1><p>${MARKER}</p></body></html>`,
  'an empty body': '',
  'JSON that is not the response': `{"hello":"world","note":"${MARKER}"}`,
} as const;

const closers = closeAfterEach();

/** The model's own answer (RowModel) to every request, unless it holds the poison feature. */
const answerOf = async (protocol: Protocol, request: Buffer, bad: string): Promise<Buffer> =>
  request.includes(String(POISON)) ? Buffer.from(bad) : new RowModel(protocol).infer(request);

const streamOf = async (env: Record<string, string>, transport?: LambdaTransport) => {
  const publisher = new FakePublisher();
  const config = loadConfig({
    KAFKA_INPUT_TOPIC: 'in',
    KAFKA_OUTPUT_TOPIC: 'out',
    KAFKA_ERROR_TOPIC: 'err',
    MODEL_NAME: 'iris',
    RETRY_BASE_MS: '1',
    RETRY_MAX_MS: '5',
    SAFETY_MARGIN_MS: '100',
    ...env,
  });
  const stream = await createBatchHandler(config, {
    publisher,
    ...(transport === undefined ? {} : { transport }),
  });
  closers.push(() => stream.close());
  return { stream, publisher };
};

const restStream = async (protocol: Protocol, bad: string, env: Record<string, string> = {}) => {
  const url = await listen(closers, async (req, res) => {
    const answer = await answerOf(protocol, await requestBody(req), bad);
    const html = answer.toString().startsWith('<');
    res.writeHead(200, { 'content-type': html ? 'text/html' : 'application/json' }).end(answer);
  });
  return streamOf({ MODEL_ENDPOINT: url, PROTOCOL: protocol, ...env });
};

const row = (n: number): number[] => [n, 1, 2, 3];
const restRecords = (protocol: Protocol): RecordSpec[] => [
  { offset: 0, value: JSON.stringify(restRequest(protocol, row(1))) },
  { offset: 1, value: JSON.stringify(restRequest(protocol, row(POISON))) },
  { offset: 2, value: JSON.stringify(restRequest(protocol, row(2))) },
];

const header = (r: { headers: Readonly<Record<string, unknown>> }, name: string) => String(r.headers[name]);

/** One invocation; the poison record must end on the error topic only, its neighbours on `out`. */
const expectPoisonDeadLettered = async (
  stream: BatchHandler,
  publisher: FakePublisher,
  specs: RecordSpec[],
) => {
  const response = await stream.handle(mskEvent(specs), lambdaContext());
  expect(response).toEqual({ batchItemFailures: [] });
  expect(publisher.on('out').map((r) => header(r, 'msk-inference-source'))).toEqual(['in/0/0', 'in/0/2']);
  const [dead, ...more] = publisher.on('err');
  expect(more).toEqual([]);
  expect(header(dead!, 'msk-inference-source')).toBe('in/0/1');
  expect(header(dead!, 'msk-inference-error-kind')).toBe('model-error');
  return header(dead!, 'msk-inference-error');
};

describe('REST: a 200 that is not the protocol’s response', () => {
  for (const protocol of PROTOCOLS) {
    it.each(Object.entries(BAD_BODIES))(
      `${protocol}: %s is a model error, never published`,
      async (_, bad) => {
        // Prepare
        const { stream, publisher } = await restStream(protocol, bad);

        // Act
        const reason = await expectPoisonDeadLettered(stream, publisher, restRecords(protocol));

        // Assess
        expect(reason).toMatch(
          new RegExp(
            `^model answered HTTP 2xx with a body that is not a ${TITLES[protocol]} response \\(.+\\)$`,
          ),
        );
        expect(reason).not.toContain(MARKER);
        expect(reason).not.toContain('hello');
      },
    );
  }

  it.each([
    ['an empty body', '', '(empty)'],
    ['an HTML page', BAD_BODIES['an HTML page'], '(not JSON: '],
    ['a JSON array', '[1,2]', '(an array of 2, not an object)'],
    ['{"hello":"world"}', '{"hello":"world"}', '(it has no outputs array)'],
  ])('v2: the reason says what %s lacks, in our words', async (_, bad, why) => {
    // Prepare
    const { stream, publisher } = await restStream('v2', bad);

    // Act
    const reason = await expectPoisonDeadLettered(stream, publisher, restRecords('v2'));

    // Assess
    expect(reason).toContain(why);
  });

  it('is left for redelivery while the model answers nothing else', async () => {
    // Prepare: every answer is the proxy's page, so nothing shows that the record is at fault.
    const { stream, publisher } = await restStream('v2', BAD_BODIES['an HTML page']);
    const poison = JSON.stringify(restRequest('v2', row(POISON)));

    // Act
    const response = await stream.handle(mskEvent([{ offset: 0, value: poison }]), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'in-0', offset: 0 } }] });
    expect(publisher.published).toEqual([]);
  });

  it('v2 with COALESCE_MAX_RECORDS: a packed call answered badly is split down to the record at fault', async () => {
    // Prepare
    const { stream, publisher } = await restStream('v2', '{"hello":"world"}', { COALESCE_MAX_RECORDS: '8' });

    // Act
    const reason = await expectPoisonDeadLettered(stream, publisher, restRecords('v2'));

    // Assess
    expect(reason).toContain('(it has no outputs array)');
    for (const out of publisher.on('out'))
      expect(JSON.parse(out.value!.toString())).toHaveProperty('outputs');
  });
});

/** A good gRPC answer of each protocol: one label. */
const GOOD_GRPC: Record<Protocol, Record<string, unknown>> = {
  v2: {
    model_name: 'iris',
    outputs: [{ name: 'predict', datatype: 'INT64', shape: [1, 1], contents: { int64_contents: [1] } }],
  },
  tensorflow: {
    outputs: { predictions: { dtype: 'DT_INT64', tensor_shape: { dim: [{ size: 1 }] }, int64_val: [1] } },
  },
  seldon: { data: { ndarray: listValue([[1]]) } },
};

/** Bad gRPC replies, each with the end of its reason (a regular expression, after "… response "). */
const BAD_REPLIES = {
  // Field 1 with wire type 7 (protobuf has none), then too few bytes.
  'garbage bytes': {
    reply: Buffer.from([0x0f, 0x01, 0x02, 0x03]),
    why: (response: string) => `\\(it does not decode as ${response}: .+\\)`,
  },
  // A message of zero bytes decodes as any message, with every field unset: a proxy's empty reply.
  'an empty message': {
    reply: Buffer.alloc(0),
    why: (response: string) => `\\(it holds no field of ${response}\\)`,
  },
  // A message of another service: field 99 is no field of any response, so it decodes to nothing.
  'a message of another service': {
    reply: Buffer.from([0x9a, 0x06, 0x02, 0x68, 0x69]),
    why: (response: string) => `\\(it holds no field of ${response}\\)`,
  },
} as const;

const grpcStream = async (protocol: Protocol, bad: Buffer) => {
  const spec = protocolSpec(protocol);
  const model: ModelConfig = { ...testConfig().model, name: 'iris', seldonApi: 'graph' };
  const poison = Buffer.from(new Float64Array([POISON]).buffer);
  const address = await listenGrpc(closers, spec.grpc.method(model), (call, callback) =>
    callback(
      null,
      call.request.includes(poison) ? bad : encodeMessage(GRPC_NAMES[protocol].response, GOOD_GRPC[protocol]),
    ),
  );
  return streamOf({ MODEL_ENDPOINT: `grpc://${address}`, TRANSPORT: 'grpc', PROTOCOL: protocol });
};

describe('gRPC: an OK reply that is not the protocol’s response', () => {
  for (const protocol of PROTOCOLS) {
    it.each(Object.entries(BAD_REPLIES))(
      `${protocol}: %s is a model error, never published`,
      async (_, bad) => {
        // Prepare
        const { stream, publisher } = await grpcStream(protocol, bad.reply);
        const headers = { 'proto-name': GRPC_NAMES[protocol].request };
        const specs: RecordSpec[] = [1, POISON, 2].map((n, offset) => ({
          offset,
          value: grpcIrisBytes(protocol, [row(n)]),
          headers,
        }));

        // Act
        const reason = await expectPoisonDeadLettered(stream, publisher, specs);

        // Assess
        const response = GRPC_NAMES[protocol].response.replaceAll('.', '\\.');
        expect(reason).toMatch(
          new RegExp(
            `^model answered gRPC OK with a reply that is not a ${TITLES[protocol]} response ${bad.why(response)}$`,
          ),
        );
      },
    );
  }
});

describe('Lambda model: a payload that is not the protocol’s response', () => {
  it.each(Object.entries(BAD_BODIES))('v2: %s is a model error, never published', async (_, bad) => {
    // Prepare: the Lambda API answering Invoke with the function's payload, reached through the SDK.
    const endpoint = await listen(closers, async (req, res) => {
      const answer = await answerOf('v2', await requestBody(req), bad);
      res.writeHead(200, { 'content-type': 'application/json' }).end(answer);
    });
    const transport = await lambdaTransportTo(closers, endpoint);
    const { stream, publisher } = await streamOf(
      { MODEL_ENDPOINT: 'lambda:iris-model', PROTOCOL: 'v2' },
      transport,
    );

    // Act
    const reason = await expectPoisonDeadLettered(stream, publisher, restRecords('v2'));

    // Assess
    expect(reason).toMatch(/^model function answered with a payload that is not a V2 response \(.+\)$/);
    expect(reason).not.toContain(MARKER);
  });
});

describe('the answer check itself', () => {
  it('keeps the answer out of the reason, as the detail for LOG_PAYLOADS=true', () => {
    // Prepare
    const check = jsonAnswerCheck(protocolSpec('seldon'), 'http');

    // Act
    const error = (() => {
      try {
        check(Buffer.from(BAD_BODIES['an HTML page']));
      } catch (e) {
        return e as RecordFailure;
      }
      throw new Error('the check passed');
    })();

    // Assess
    expect(error.kind).toBe('model-error');
    expect(error).toMatchObject({ kind: 'model-error', policy: 'judge' });
    expect(error.message).not.toContain(MARKER);
    expect(error.detail).toContain(MARKER);
  });

  it.each([
    ['v2', '{"model_name":"iris","outputs":[]}'],
    ['tensorflow', '{"predictions":[[0.1,0.9]]}'],
    ['tensorflow', '{"outputs":{"scores":[0.1]}}'],
    ['seldon', '{"strData":"setosa"}'],
    ['seldon', '{"binData":"AAE="}'],
  ] as const)('%s: passes %s', (protocol, answer) => {
    // Prepare
    const check = jsonAnswerCheck(protocolSpec(protocol), 'http');

    // Act
    const act = () => check(Buffer.from(answer));

    // Assess
    expect(act).not.toThrow();
  });
});
