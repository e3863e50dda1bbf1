import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, RecordFailure } from '../../../functions/stream-inference/failures.js';
import {
  listenerFor,
  lookupBootstrapBrokers,
} from '../../../functions/stream-inference/outbound/cluster-brokers.js';
import { type FakeKafkaApi, kafkaApiEnv, startFakeKafkaApi } from '../../helpers/kafka-api.js';

const ARN = 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd1234-ab12-cd34-ef56-abcdef123456-1';
const host = (n: number) => `b-${n}.demo.abc123.c2.kafka.us-east-1.amazonaws.com`;
const listener = (port: number) => [1, 2, 3].map((n) => `${host(n)}:${port}`).join(',');

/** A provisioned cluster with every in-VPC listener on, on MSK's documented ports. */
const EVERY_LISTENER = {
  bootstrapBrokerString: listener(9092),
  bootstrapBrokerStringTls: listener(9094),
  bootstrapBrokerStringSaslScram: listener(9096),
  bootstrapBrokerStringSaslIam: listener(9098),
  bootstrapBrokerStringPublicSaslIam: listener(9198),
};

let api: FakeKafkaApi;

beforeAll(async () => {
  api = await startFakeKafkaApi();
});

afterAll(() => api.close());

beforeEach(() => {
  for (const [k, v] of Object.entries(kafkaApiEnv(api))) vi.stubEnv(k, v);
  api.requests.length = 0;
  api.errors.length = 0;
  api.setListeners(EVERY_LISTENER);
});

describe('lookupBootstrapBrokers (GetBootstrapBrokers through AWS_ENDPOINT_URL_KAFKA)', () => {
  it.each([
    [{ auth: 'iam', tls: true }, 9098],
    [{ auth: 'scram-sha-512', tls: true }, 9096],
    [{ auth: 'mtls', tls: true }, 9094],
    [{ auth: 'none', tls: true }, 9094],
    [{ auth: 'none', tls: false }, 9092],
  ] as const)('takes the listener of %o (port %i)', async (kafka, port) => {
    // Act
    const brokers = await lookupBootstrapBrokers(ARN, kafka);

    // Assess
    expect(brokers).toEqual([1, 2, 3].map((n) => `${host(n)}:${port}`));
    expect(api.requests).toEqual([{ method: 'GET', clusterArn: ARN, signed: true }]);
  });

  it('maps each authentication to the documented field', () => {
    expect(listenerFor({ auth: 'scram-sha-256', tls: true })).toBe('BootstrapBrokerStringSaslScram');
    expect(listenerFor({ auth: 'none', tls: false })).toBe('BootstrapBrokerString');
  });

  it('fails naming KAFKA_AUTH and MSK_CLUSTER_ARN when the cluster has no such listener', async () => {
    // Prepare: IAM access control is off on this cluster
    const { bootstrapBrokerStringSaslIam: _, ...withoutIam } = EVERY_LISTENER;
    api.setListeners(withoutIam);

    // Act
    const lookup = lookupBootstrapBrokers(ARN, { auth: 'iam', tls: true });

    // Assess
    await expect(lookup).rejects.toThrow(ConfigError);
    await expect(lookup).rejects.toThrow(
      /^KAFKA_AUTH: the cluster MSK_CLUSTER_ARN names has no listener for KAFKA_AUTH iam .*BootstrapBrokerStringSaslIam/,
    );
  });

  it('fails naming MSK_CLUSTER_ARN, not retried, when the role may not call it', async () => {
    // Prepare
    api.errors.push({ status: 403, type: 'ForbiddenException' });

    // Act
    const lookup = lookupBootstrapBrokers(ARN, { auth: 'iam', tls: true });

    // Assess
    await expect(lookup).rejects.toThrow(ConfigError);
    await expect(lookup).rejects.toThrow(/^MSK_CLUSTER_ARN: .*ForbiddenException.*kafka:GetBootstrapBrokers/);
    expect(api.requests).toHaveLength(1);
  });

  it('is transient when the service keeps failing (after the SDK retried it)', async () => {
    // Prepare
    api.errors.push(
      ...Array.from({ length: 3 }, () => ({ status: 503, type: 'ServiceUnavailableException' })),
    );

    // Act
    const lookup = lookupBootstrapBrokers(ARN, { auth: 'iam', tls: true });

    // Assess
    await expect(lookup).rejects.toThrow(RecordFailure);
    await expect(lookup).rejects.toThrow(/GetBootstrapBrokers failed \(ServiceUnavailableException\)/);
    expect(api.requests).toHaveLength(3);
  });

  it('gets through a passing 503 with the SDK’s own retry', async () => {
    // Prepare
    api.errors.push({ status: 503, type: 'ServiceUnavailableException' });

    // Act
    const brokers = await lookupBootstrapBrokers(ARN, { auth: 'none', tls: false });

    // Assess
    expect(brokers).toHaveLength(3);
    expect(api.requests).toHaveLength(2);
  });
});
