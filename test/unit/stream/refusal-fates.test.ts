import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { type BatchHandler, createBatchHandler } from '../../../functions/stream-inference/batch-handler.js';
import { METRICS } from '../../../functions/stream-inference/contract.js';
import { metrics } from '../../../functions/stream-inference/telemetry.js';
import { lambdaContext, mskEvent, type RecordSpec, testConfig } from '../../helpers/factories.js';
import { FakePublisher } from '../../helpers/fakes.js';
import { type LocalServer, requestBody, startHttpServer } from '../../helpers/local-servers.js';

/**
 * What becomes of records the model refuses for its credentials (401) or as not found (404), over
 * real HTTP to a model of the test's own, through the whole stream, invocation after invocation.
 */

/** The model's answer to a request: 200, or `refuse` to every request, or to those holding "unknown". */
const model = { refuse: 0, unknownOnly: false };
/** A refusal takes this long, so that the other records' answers land between a record's attempts. */
const REFUSAL_MS = 30;
let server: LocalServer;
let endpoint: string;

beforeAll(async () => {
  server = await startHttpServer(async (req, res) => {
    const body = await requestBody(req);
    const refused = model.refuse !== 0 && (!model.unknownOnly || body.includes('unknown'));
    if (!refused) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"ndarray":[1]}}');
      return;
    }
    setTimeout(() => res.writeHead(model.refuse, { 'content-type': 'text/plain' }).end('no'), REFUSAL_MS);
  });
  endpoint = server.address;
});

afterAll(() => server.close());

afterEach(() => {
  vi.restoreAllMocks();
});

const setup = async (): Promise<{ stream: BatchHandler; publisher: FakePublisher }> => {
  const publisher = new FakePublisher();
  const config = testConfig({ MODEL_ENDPOINT: endpoint });
  return { stream: await createBatchHandler(config, { publisher }), publisher };
};

const good = (n: number) => JSON.stringify({ data: { ndarray: [[n, 1, 2, 3]] } });
const unknown = JSON.stringify({ data: { names: ['unknown'], ndarray: [[0, 0, 0, 0]] } });
const str = (v: unknown) => String(v);
const specs: RecordSpec[] = [
  { offset: 0, value: good(0) },
  { offset: 1, value: good(1) },
  { partition: 1, offset: 0, value: good(9) },
];
const heldBack = {
  batchItemFailures: [0, 1].map((p) => ({ itemIdentifier: { partition: `in-${p}`, offset: 0 } })),
};

describe('a model that refuses the function’s credentials (HTTP 401)', () => {
  it('leaves every record for redelivery, invocation after invocation, dead-letters none, counts it', async () => {
    // Prepare
    model.refuse = 401;
    model.unknownOnly = false;
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const { stream, publisher } = await setup();

    // Act: the retry budget (300 ms less the safety margin) runs out in each invocation.
    const responses = [];
    for (let i = 0; i < 3; i++) responses.push(await stream.handle(mskEvent(specs), lambdaContext(300)));

    // Assess
    for (const response of responses) expect(response).toEqual(heldBack);
    expect(publisher.published).toEqual([]);
    // The first record of each partition, per invocation: what the ModelUnauthorized alarm sums.
    const counted = addMetric.mock.calls.filter(([name]) => name === METRICS.modelUnauthorized);
    expect(counted.map(([, unit, value]) => [unit, value])).toEqual([
      ['Count', 2],
      ['Count', 2],
      ['Count', 2],
    ]);
    await stream.close();
  });
});

describe('a model that answers HTTP 404', () => {
  it('to one record while it answers the others: that record is dead-lettered model-not-found', async () => {
    // Prepare
    model.refuse = 404;
    model.unknownOnly = true;
    const { stream, publisher } = await setup();
    const withUnknown: RecordSpec[] = [
      ...specs,
      { offset: 2, value: unknown },
      { offset: 3, value: good(3) },
    ];

    // Act
    const response = await stream.handle(mskEvent(withUnknown), lambdaContext(5_000));

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const [dead, ...more] = publisher.on('err');
    expect(more).toEqual([]);
    expect(str(dead!.headers['msk-inference-source'])).toBe('in/0/2');
    expect(str(dead!.headers['msk-inference-error-kind'])).toBe('model-not-found');
    expect(str(dead!.headers['msk-inference-status'])).toBe('404');
    expect(str(dead!.headers['msk-inference-error'])).toMatch(
      /^model answered HTTP 404 \(a body of 2 bytes\)$/,
    );
    expect(publisher.on('out').map((r) => str(r.headers['msk-inference-source']))).toEqual([
      'in/0/0',
      'in/0/1',
      'in/0/3',
      'in/1/0',
    ]);
    await stream.close();
  });

  it('to every record right after it served (a rollout): every record is left for redelivery', async () => {
    // Prepare: the model answered a batch a moment ago, then its new version is not loaded yet.
    model.refuse = 0;
    const { stream, publisher } = await setup();
    await stream.handle(mskEvent(specs), lambdaContext(5_000));
    const served = publisher.published.length;
    model.refuse = 404;
    model.unknownOnly = false;
    const next = specs.map((s) => ({ ...s, offset: s.offset + 10 }));

    // Act
    const responses = [];
    for (let i = 0; i < 3; i++) responses.push(await stream.handle(mskEvent(next), lambdaContext(5_000)));

    // Assess
    expect(served).toBe(3);
    for (const response of responses) {
      expect(response).toEqual({
        batchItemFailures: [0, 1].map((p) => ({ itemIdentifier: { partition: `in-${p}`, offset: 10 } })),
      });
    }
    expect(publisher.on('err')).toEqual([]);
    expect(publisher.published).toHaveLength(served);
    await stream.close();
  });
});
