import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBatchHandler } from '../../../functions/stream-inference/batch-handler.js';
import { loadConfig } from '../../../functions/stream-inference/config.js';
import { METRICS } from '../../../functions/stream-inference/contract.js';
import {
  ConfigError,
  EventSourceMismatchError,
  FailureKind,
  RecordFailure,
} from '../../../functions/stream-inference/failures.js';
import type { BrokerLookup } from '../../../functions/stream-inference/inbound/event-source.js';
import { metrics } from '../../../functions/stream-inference/telemetry.js';
import { lambdaContext, mskEvent, type RecordSpec } from '../../helpers/factories.js';
import { FakeModel, FakePublisher } from '../../helpers/fakes.js';

/** The cluster ARN of the factories' MSK events. */
const ARN = 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd1234-ab12-cd34-ef56-abcdef123456-1';
const OTHER_ARN = 'arn:aws:kafka:us-east-1:999999999999:cluster/other/abcd1234-ab12-cd34-ef56-abcdef123456-1';

const config = (env: Record<string, string>) =>
  loadConfig({
    KAFKA_INPUT_TOPIC: 'in',
    KAFKA_OUTPUT_TOPIC: 'out',
    KAFKA_ERROR_TOPIC: 'err',
    MODEL_ENDPOINT: 'http://127.0.0.1:1',
    SAFETY_MARGIN_MS: '100',
    ...env,
  });

const good = JSON.stringify({ data: { ndarray: [[1, 2, 3, 4]] } });
const specs: RecordSpec[] = [
  { partition: 0, offset: 10, value: good },
  { partition: 0, offset: 11, value: '{not json' },
  { partition: 1, offset: 20, value: good },
];

const setup = async (env: Record<string, string>, brokerLookup?: BrokerLookup) => {
  const model = new FakeModel();
  const publisher = new FakePublisher();
  const stream = await createBatchHandler(config(env), {
    transport: model,
    publisher,
    ...(brokerLookup === undefined ? {} : { brokerLookup }),
  });
  return { stream, model, publisher };
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('stream.handle with pinned brokers', () => {
  it.each([
    ['another cluster’s event', { MSK_CLUSTER_ARN: OTHER_ARN }, mskEvent(specs)],
    ['an event naming a foreign broker', { KAFKA_BROKER: '10.0.0.1:9092' }, mskEvent(specs)],
  ])(
    'refuses %s: throws, calls no model, publishes and dead-letters nothing, counts it',
    async (_, env, event) => {
      // Prepare
      const addMetric = vi.spyOn(metrics, 'addMetric');
      const { stream, model, publisher } = await setup(env, async () => ['10.0.0.1:9092']);

      // Act
      const result = stream.handle(event, lambdaContext());

      // Assess
      await expect(result).rejects.toThrow(EventSourceMismatchError);
      expect(model.calls).toBe(0);
      expect(publisher.published).toEqual([]);
      expect(addMetric).toHaveBeenCalledWith(METRICS.eventsRefused, 'Count', 1);
    },
  );

  it('processes the configured cluster’s event with the looked-up brokers', async () => {
    // Prepare
    const lookup = vi.fn<BrokerLookup>(async () => ['127.0.0.1:9092']);
    const { stream, publisher } = await setup({ MSK_CLUSTER_ARN: ARN }, lookup);

    // Act
    const response = await stream.handle(mskEvent(specs), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(publisher.on('out')).toHaveLength(2);
    expect(publisher.on('err')).toHaveLength(1);
    expect(lookup).toHaveBeenCalledTimes(1);
  });

  it('leaves the whole batch for redelivery, dead-lettering nothing, while the lookup fails transiently', async () => {
    // Prepare
    const down = new RecordFailure('GetBootstrapBrokers failed (ThrottlingException)', {
      kind: FailureKind.publish,
    });
    const { stream, model, publisher } = await setup({ MSK_CLUSTER_ARN: ARN }, async () => {
      throw down;
    });

    // Act
    const response = await stream.handle(mskEvent(specs), lambdaContext());

    // Assess
    expect(response).toEqual({
      batchItemFailures: [
        { itemIdentifier: { partition: 'in-0', offset: 10 } },
        { itemIdentifier: { partition: 'in-1', offset: 20 } },
      ],
    });
    expect(model.calls).toBe(0);
    expect(publisher.published).toEqual([]);
  });

  it('fails the invocation, publishing nothing, when the lookup cannot succeed', async () => {
    // Prepare
    const { stream, publisher } = await setup({ MSK_CLUSTER_ARN: ARN, KAFKA_AUTH: 'iam' }, async () => {
      throw new ConfigError(
        'KAFKA_AUTH',
        'the cluster MSK_CLUSTER_ARN names has no listener for KAFKA_AUTH iam',
      );
    });

    // Act
    const result = stream.handle(mskEvent(specs), lambdaContext());

    // Assess
    await expect(result).rejects.toThrow(/^KAFKA_AUTH: the cluster MSK_CLUSTER_ARN names has no listener/);
    expect(publisher.published).toEqual([]);
  });
});
