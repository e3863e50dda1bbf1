import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchHandler, createBatchHandler } from '../../../functions/stream-inference/batch-handler.js';
import { GrpcTransport } from '../../../functions/stream-inference/model/transport/grpc.js';
import { lambdaContext, mskEvent, type RecordSpec, testConfig } from '../../helpers/factories.js';
import { FakePublisher } from '../../helpers/fakes.js';
import {
  type LocalServer,
  requestBody,
  startGrpcServer,
  startHttpServer,
} from '../../helpers/local-servers.js';

/**
 * A record that makes the model hang (a pathological input) while the model answers every other
 * record: over real HTTP, with MODEL_TIMEOUT_MS short, so the transport's own timeout fires.
 */

const MODEL_TIMEOUT_MS = 150;

/**
 * Answers 200 at once, except to a body holding "hang" (never answered), to anything when `down`,
 * and to the next body holding "once" when `slowOnce`.
 */
const model = { down: false, slowOnce: false, requests: 0 };
let server: LocalServer;
let endpoint: string;

beforeAll(async () => {
  server = await startHttpServer(async (req, res) => {
    const body = await requestBody(req);
    model.requests++;
    if (model.down || body.includes('hang')) return;
    if (model.slowOnce && body.includes('once')) {
      model.slowOnce = false;
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"ndarray":[1]}}');
  });
  endpoint = server.address;
});

afterAll(() => server.close());

const setup = async (): Promise<{ stream: BatchHandler; publisher: FakePublisher }> => {
  const publisher = new FakePublisher();
  const config = testConfig({ MODEL_ENDPOINT: endpoint, MODEL_TIMEOUT_MS: String(MODEL_TIMEOUT_MS) });
  return { stream: await createBatchHandler(config, { publisher }), publisher };
};

const good = (n: number) => JSON.stringify({ data: { ndarray: [[n, 1, 2, 3]] } });
const hang = JSON.stringify({ data: { names: ['hang'], ndarray: [[0, 0, 0, 0]] } });
const str = (v: unknown) => String(v);

describe('a record the model times out on', () => {
  it('is dead-lettered model-timeout once the model has answered other records meanwhile', async () => {
    // Prepare
    model.down = false;
    const { stream, publisher } = await setup();
    const specs: RecordSpec[] = [
      { offset: 0, value: good(0) },
      { offset: 1, value: hang },
      { offset: 2, value: good(2) },
      { partition: 1, offset: 0, value: good(9) },
    ];

    // Act: an invocation leaves time for a few timeouts only; Lambda redelivers from what it reports.
    const responses = [];
    for (let i = 0; i < 4 && publisher.on('err').length === 0; i++) {
      responses.push(await stream.handle(mskEvent(specs), lambdaContext(3 * MODEL_TIMEOUT_MS)));
    }

    // Assess
    const [dead] = publisher.on('err');
    expect(dead, JSON.stringify(responses)).toBeDefined();
    expect(str(dead!.headers['msk-inference-source'])).toBe('in/0/1');
    expect(str(dead!.headers['msk-inference-error-kind'])).toBe('model-timeout');
    expect(str(dead!.headers['msk-inference-error'])).toMatch(/MODEL_TIMEOUT_MS/);
    expect(responses.at(-1)).toEqual({ batchItemFailures: [] });
    expect(publisher.on('out').map((r) => str(r.headers['msk-inference-source']))).toContain('in/0/2');
    await stream.close();
  });

  it('is left for redelivery, invocation after invocation, while the model answers nothing', async () => {
    // Prepare
    model.down = true;
    const { stream, publisher } = await setup();
    const specs: RecordSpec[] = [
      { offset: 0, value: good(0) },
      { offset: 1, value: hang },
    ];

    // Act
    const responses = [];
    for (let i = 0; i < 5; i++) {
      responses.push(await stream.handle(mskEvent(specs), lambdaContext(3 * MODEL_TIMEOUT_MS)));
    }

    // Assess
    for (const response of responses) {
      expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'in-0', offset: 0 } }] });
    }
    expect(publisher.published).toEqual([]);
    await stream.close();
  });
});

describe('records the model timed out on while it answered nothing', () => {
  it('are left for redelivery when the model answers again later in the invocation', async () => {
    // Prepare: MODEL_CONCURRENCY 2, so p1's records are called once p0's have used their three
    // timeouts; the model comes back between the two.
    model.down = true;
    const publisher = new FakePublisher();
    const config = testConfig({
      MODEL_ENDPOINT: endpoint,
      MODEL_TIMEOUT_MS: String(MODEL_TIMEOUT_MS),
      MODEL_CONCURRENCY: '2',
    });
    const stream = await createBatchHandler(config, { publisher });
    const specs: RecordSpec[] = [
      { offset: 0, value: good(0) },
      { offset: 1, value: good(1) },
      { partition: 1, offset: 0, value: good(2) },
      { partition: 1, offset: 1, value: good(3) },
    ];
    const back = setTimeout(() => {
      model.down = false;
    }, 3.5 * MODEL_TIMEOUT_MS);

    // Act
    const response = await stream.handle(mskEvent(specs), lambdaContext(12 * MODEL_TIMEOUT_MS));

    // Assess
    clearTimeout(back);
    expect(publisher.on('err')).toEqual([]);
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'in-0', offset: 0 } }] });
    expect(publisher.on('out').map((r) => str(r.headers['msk-inference-source']))).toEqual([
      'in/1/0',
      'in/1/1',
    ]);
    await stream.close();
  });

  it('are not dead-lettered for one more timeout once the model answers others again', async () => {
    // Prepare: the record timed out 3 times while the model was down (a frozen server)...
    model.down = true;
    const { stream, publisher } = await setup();
    const once = JSON.stringify({ data: { names: ['once'], ndarray: [[1, 1, 2, 3]] } });
    const specs: RecordSpec[] = [
      { offset: 0, value: once },
      { partition: 1, offset: 0, value: good(2) },
    ];
    const first = await stream.handle(mskEvent(specs), lambdaContext(4 * MODEL_TIMEOUT_MS));
    // ...and the model, back, is slow on it once while it answers its neighbour.
    model.down = false;
    model.slowOnce = true;

    // Act
    const second = await stream.handle(mskEvent(specs), lambdaContext(4 * MODEL_TIMEOUT_MS));
    const third = await stream.handle(mskEvent(specs.slice(0, 1)), lambdaContext(4 * MODEL_TIMEOUT_MS));

    // Assess
    expect(first.batchItemFailures).toHaveLength(2);
    expect(second).toEqual({ batchItemFailures: [{ itemIdentifier: { partition: 'in-0', offset: 0 } }] });
    expect(third).toEqual({ batchItemFailures: [] });
    expect(publisher.on('err')).toEqual([]);
    expect(publisher.on('out').map((r) => str(r.headers['msk-inference-source']))).toEqual([
      'in/1/0',
      'in/0/0',
    ]);
    await stream.close();
  });
});

describe('a record that hangs the model with MODEL_CONCURRENCY 1', () => {
  it('gives up its slot after 3 timeouts, so that the model can show it answers others, then is dead-lettered', async () => {
    // Prepare: with one call at a time, nothing runs beside the hanging record.
    model.down = false;
    const publisher = new FakePublisher();
    const config = testConfig({
      MODEL_ENDPOINT: endpoint,
      MODEL_TIMEOUT_MS: String(MODEL_TIMEOUT_MS),
      MODEL_CONCURRENCY: '1',
    });
    const stream = await createBatchHandler(config, { publisher });
    const specs: RecordSpec[] = [
      { offset: 0, value: hang },
      { partition: 1, offset: 0, value: good(4) },
    ];

    // Act
    const responses = [];
    for (let i = 0; i < 6 && publisher.on('err').length === 0; i++) {
      responses.push(await stream.handle(mskEvent(specs), lambdaContext(4 * MODEL_TIMEOUT_MS)));
    }

    // Assess
    const [dead, ...more] = publisher.on('err');
    expect(more).toEqual([]);
    expect(str(dead?.headers['msk-inference-source'])).toBe('in/0/0');
    expect(str(dead?.headers['msk-inference-error-kind'])).toBe('model-timeout');
    expect(responses.at(-1)).toEqual({ batchItemFailures: [] });
    expect(publisher.on('out').map((r) => str(r.headers['msk-inference-source']))).toContain('in/1/0');
    await stream.close();
  });
});

describe('gRPC: a call past MODEL_TIMEOUT_MS', () => {
  it('fails with a model timeout (DEADLINE_EXCEEDED), not as the model being unavailable', async () => {
    // Prepare: a server that takes every call and never answers.
    const grpcServer = await startGrpcServer('/test.Hang/Call', () => undefined);
    const transport = new GrpcTransport({
      address: grpcServer.address,
      tls: false,
      method: '/test.Hang/Call',
      timeoutMs: MODEL_TIMEOUT_MS,
      maxAnswerBytes: 1_000_000,
    });

    // Act
    const error = await transport.infer(Buffer.from('x')).catch((e: unknown) => e);

    // Assess
    expect(error).toMatchObject({ kind: 'model-timeout', status: 4 });
    await transport.close();
    await grpcServer.close();
  });
});
