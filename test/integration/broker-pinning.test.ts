import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restRequest } from '../helpers/iris.js';
import { type FakeKafkaApi, kafkaApiEnv, startFakeKafkaApi } from '../helpers/kafka-api.js';
import { brokers, closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { produce } from '../helpers/kafka-produce.js';
import { readToEnd } from '../helpers/kafka-read.js';
import { createTopics, uniqueStreamTopics } from '../helpers/kafka-topics.js';
import {
  CLUSTER_ARN,
  eventFromRecords,
  fakeContext,
  type LoadedHandler,
  loadHandler,
} from '../helpers/lambda.js';
import { loadIrisTruth } from '../helpers/models.js';

/**
 * The real handler, configured with MSK_CLUSTER_ARN only (no KAFKA_BROKER): it looks the brokers
 * up from a local endpoint speaking Amazon MSK's GetBootstrapBrokers, which answers the real
 * local broker, and refuses events that do not come from that cluster.
 */
let api: FakeKafkaApi;
let loaded: LoadedHandler | undefined;
/** Listens where the foreign event points (another loopback host), to count who connects: no one may. */
let trap: Server;
let trapped = 0;

beforeAll(async () => {
  api = await startFakeKafkaApi({ bootstrapBrokerString: brokers.join(',') });
  trap = createServer((socket) => {
    trapped++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => trap.listen(0, '127.0.0.2', resolve));
});

afterAll(async () => {
  await loaded?.shutdown();
  await api.close();
  await new Promise((resolve) => trap.close(resolve));
  await closeKafkaHelpers();
});

describe('brokers pinned from MSK_CLUSTER_ARN, on the real broker', () => {
  it('refuses an event naming another broker host or cluster, then processes the cluster’s own', async () => {
    // Prepare
    const truth = loadIrisTruth();
    const { input, output, errors } = uniqueStreamTopics('pin');
    await createTopics([input, output, errors], 2);
    await produce(
      input,
      truth.rows.slice(0, 6).map((row, i) => ({
        key: `k${i}`,
        value: JSON.stringify(restRequest('v2', row)),
        partition: i % 2,
      })),
    );
    const records = await readToEnd(input);
    loaded = await loadHandler({
      ...kafkaApiEnv(api),
      KAFKA_BROKER: '',
      MSK_CLUSTER_ARN: CLUSTER_ARN,
      MODEL_ENDPOINT: 'http://127.0.0.1:8080',
      MODEL_NAME: 'iris',
      PROTOCOL: 'v2',
      KAFKA_INPUT_TOPIC: input,
      KAFKA_OUTPUT_TOPIC: output,
      KAFKA_ERROR_TOPIC: errors,
    });
    const foreignHost = eventFromRecords(
      records,
      'msk',
      `127.0.0.2:${(trap.address() as { port: number }).port}`,
    );
    const otherCluster = {
      ...eventFromRecords(records, 'msk', brokers.join(',')),
      eventSourceArn: CLUSTER_ARN.replace(':cluster/local/', ':cluster/other/'),
    };
    const selfManaged = eventFromRecords(records, 'self-managed', brokers.join(','));

    // Act
    // One at a time, as Lambda invokes one container.
    const refused: PromiseSettledResult<unknown>[] = [];
    for (const e of [foreignHost, otherCluster, selfManaged]) {
      refused.push((await Promise.allSettled([loaded.handler(e, fakeContext())]))[0]!);
    }
    const response = await loaded.handler(eventFromRecords(records, 'msk', brokers.join(',')), fakeContext());

    // Assess
    expect(refused.map((r) => (r.status === 'rejected' ? (r.reason as Error).name : r.status))).toEqual([
      'EventSourceMismatchError',
      'EventSourceMismatchError',
      'EventSourceMismatchError',
    ]);
    expect((refused[0] as PromiseRejectedResult).reason.message).toMatch(/"127\.0\.0\.2"/);
    expect(response).toEqual({ batchItemFailures: [] });
    // The handler resolves only after the broker acknowledged: the topics hold all there is.
    expect(await readToEnd(output)).toHaveLength(records.length);
    expect(await readToEnd(errors)).toEqual([]);
    expect(api.requests).toEqual([{ method: 'GET', clusterArn: CLUSTER_ARN, signed: true }]);
    expect(trapped).toBe(0);
  });
});
