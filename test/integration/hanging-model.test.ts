import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { produce } from '../helpers/kafka-produce.js';
import { readToEnd } from '../helpers/kafka-read.js';
import { createTopics, type StreamTopics, uniqueStreamTopics } from '../helpers/kafka-topics.js';
import { eventFromRecords, fakeContext, type LoadedHandler, loadHandler } from '../helpers/lambda.js';
import { describeRun, driveLambda, unreadableResponses } from '../helpers/lambda-driver.js';

/** A model that accepts connections and never answers: the worst case for a Lambda deadline. */
let server: Server;
const sockets = new Set<Socket>();
let port = 0;
const handlers: LoadedHandler[] = [];

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(async () => {
  await Promise.all(handlers.map((h) => h.shutdown()));
  for (const s of sockets) s.destroy();
  await new Promise((resolve) => server.close(resolve));
  await closeKafkaHelpers();
});

/** The handler's environment for the topics: TensorFlow Serving's protocol to the model that never answers. */
const hangingModelEnv = (t: StreamTopics): Record<string, string> => ({
  MODEL_ENDPOINT: `http://127.0.0.1:${port}`,
  MODEL_NAME: 'iris',
  PROTOCOL: 'tensorflow',
  MODEL_TIMEOUT_MS: '60000',
  SAFETY_MARGIN_MS: '1000',
  KAFKA_BROKER: '127.0.0.1:9092',
  KAFKA_INPUT_TOPIC: t.input,
  KAFKA_OUTPUT_TOPIC: t.output,
  KAFKA_ERROR_TOPIC: t.errors,
});

describe('a model that hangs', () => {
  it('returns before the Lambda timeout with the unfinished records reported, never a timeout', async () => {
    // Prepare
    const { input, output, errors } = uniqueStreamTopics('hang');
    await createTopics([input, output, errors], 2);
    await produce(
      input,
      Array.from({ length: 20 }, (_, i) => ({
        key: `k${i}`,
        value: JSON.stringify({ instances: [[1, 2, 3, 4]] }),
        partition: i % 2,
      })),
    );
    const records = await readToEnd(input);
    const loaded = await loadHandler(hangingModelEnv({ input, output, errors }));
    handlers.push(loaded);
    const lambdaTimeoutMs = 4_000;
    const started = Date.now();

    // Act
    const response = await loaded.handler(eventFromRecords(records, 'msk'), fakeContext(lambdaTimeoutMs));

    // Assess
    const took = Date.now() - started;
    expect(took).toBeLessThan(lambdaTimeoutMs);
    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: { partition: `${input}-0`, offset: 0 } },
      { itemIdentifier: { partition: `${input}-1`, offset: 0 } },
    ]);
    expect(await readToEnd(output)).toHaveLength(0);
    expect(await readToEnd(errors)).toHaveLength(0);
  });

  it('under redelivery: never progresses, never times out, and publishes nothing', async () => {
    // Prepare
    const { input, output, errors } = uniqueStreamTopics('hang2');
    await createTopics([input, output, errors], 2);
    await produce(
      input,
      Array.from({ length: 40 }, (_, i) => ({
        key: `k${i}`,
        value: JSON.stringify({ instances: [[1, 2, 3, 4]] }),
        partition: i % 2,
      })),
    );
    const loaded = await loadHandler({
      ...hangingModelEnv({ input, output, errors }),
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    handlers.push(loaded);

    // Act
    const run = await driveLambda({
      topic: input,
      handler: loaded.handler,
      batchSize: 40,
      timeoutMs: 3_000,
      maxRounds: 3,
    });

    // Assess
    console.log(`[hanging model] under redelivery:\n${describeRun(run)}`);
    expect(run.done).toBe(false);
    expect(unreadableResponses(run)).toEqual([]);
    expect(run.invocations).toHaveLength(3);
    for (const i of run.invocations) {
      expect(i.result).toBe('returned');
      expect(i.ms).toBeLessThan(3_000);
      expect(i.reported).toEqual([
        { partition: 0, offset: 0 },
        { partition: 1, offset: 0 },
      ]);
    }
    expect([...run.deliveries.values()].every((n) => n === 3)).toBe(true);
    expect(await readToEnd(output)).toHaveLength(0);
    expect(await readToEnd(errors)).toHaveLength(0);
  });
});
