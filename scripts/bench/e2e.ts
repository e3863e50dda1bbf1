/**
 * End to end through Kafka: records produced to an input topic, answers counted on an output topic,
 * records per second from the first produce to the last answer read. The same timing serves the
 * handler behind the local poller and MLServer's own Kafka server.
 */
import type { Message } from 'kafkajs';
import type { LambdaHandler } from '../local/context.js';
import { localHandlerEnv, type TopicNames } from '../local/local-services.js';
import { Poller } from '../local/poller.js';
import { type BenchKafka, OutputCounter, produceAll } from './kafka.js';
import { perSecond } from './stats.js';

/** Batching of the local poller (the event source mapping's BatchSize and batching window). */
export interface PollerBatching {
  readonly batchSize: number;
  readonly windowMs: number;
}

/** An input topic whose answers are counted on an output topic. */
export interface Through {
  readonly input: string;
  readonly counter: OutputCounter;
  /** Longest wait for a run's answers. @default generous for the run's size */
  readonly timeoutMs?: number;
}

/** Longest wait for a run's answers: generous, a stuck run fails instead of hanging the bench. */
const timeoutFor = (count: number): number => 60_000 + count * 25;

/**
 * Produces the messages (keys `<tag>-<n>`) and resolves with records/s from the first produce to
 * the last answer read. Answers on the error topic make the run fail: a bench of failures means nothing.
 */
export const timeThrough = async (
  kafka: BenchKafka,
  through: Through,
  tag: string,
  messages: Message[],
): Promise<number> => {
  const done = through.counter.expect(tag, messages.length, through.timeoutMs ?? timeoutFor(messages.length));
  const started = performance.now();
  await produceAll(kafka.producer, through.input, messages);
  const { at, errors } = await done;
  if (errors > 0)
    throw new Error(`${errors} of ${messages.length} records of run ${tag} went to the error topic`);
  return perSecond(messages.length, at - started);
};

export interface PollerRig extends Through {
  readonly topics: TopicNames;
  /** The handler environment for these topics and the local MLServer (V2). */
  readonly env: (transport: 'rest' | 'grpc', extra?: Record<string, string>) => Record<string, string>;
  /** The handler the poller invokes; swap it between runs to compare configurations on one poller. */
  use(handler: LambdaHandler): void;
  stop(): Promise<void>;
}

/**
 * Topics, a counter on the output topics and a local poller (the event source mapping stand-in)
 * in front of a handler that can be swapped between runs.
 */
export const startPollerRig = async (
  kafka: BenchKafka,
  name: string,
  partitions: number,
  batching: PollerBatching,
  log: (line: string) => void,
): Promise<PollerRig> => {
  const [input, output, errors] = await kafka.topics(
    [`${name}-in`, `${name}-out`, `${name}-errors`],
    partitions,
  );
  const topics: TopicNames = { input: input!, output: output!, errors: errors! };
  const counter = await OutputCounter.start(kafka.brokers, topics.output, topics.errors);
  let current: LambdaHandler | undefined;
  const poller = new Poller({
    brokers: kafka.brokers,
    topic: topics.input,
    groupId: `${topics.input}-poller`,
    handler: (event, context) => {
      if (current === undefined) throw new Error('no handler set for the poller');
      return current(event, context);
    },
    batching,
    progressIntervalMs: false,
    log: (line) => log(line),
  });
  await poller.start();
  return {
    input: topics.input,
    counter,
    topics,
    env: (transport, extra = {}) => ({
      ...localHandlerEnv('v2', transport, topics, kafka.brokers.join(',')),
      ...extra,
    }),
    use(handler) {
      current = handler;
    },
    async stop() {
      await poller.stop();
      await counter.stop();
    },
  };
};
