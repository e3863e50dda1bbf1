/**
 * `npm start` with no configuration: the local services, demo topics, a handful of iris requests in
 * the chosen protocol and transport, the real handler behind the local poller, and each prediction
 * printed as it reaches the output topic.
 */
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { Protocol, Transport } from '../../functions/stream-inference/config.js';
import { LOCAL_BROKER, LOCAL_ENDPOINTS, type TopicNames } from './local-services.js';
import { OutputWatcher, type WatchedRecord } from './output-watcher.js';
import type { Poller } from './poller.js';
import {
  IRIS_SAMPLES,
  type IrisSample,
  labelsOf,
  type SampleRecord,
  SPECIES,
  sampleRecord,
} from './samples.js';
import { ensureServices } from './services.js';

/** Answers printed before the demo only counts them. */
const MAX_LINES = 20;
/** Records per produce request. */
const CHUNK = 500;
/** Partitions of the demo topics it creates. */
const DEMO_PARTITIONS = 2;

/** The local server behind each protocol, for the messages. */
export const SERVER_NAMES: Record<Protocol, string> = {
  v2: 'MLServer',
  seldon: 'seldon-core microservice',
  tensorflow: 'TensorFlow-protocol server',
};

export const demoTopics = (protocol: Protocol, transport: Transport): TopicNames => ({
  input: `demo-${protocol}-${transport}-input`,
  output: `demo-${protocol}-${transport}-output`,
  errors: `demo-${protocol}-${transport}-errors`,
});

/**
 * Starts the services that do not answer, then creates the demo topics (2 partitions each) that do
 * not exist. Returns them with the input topic's partition count.
 */
export const prepareDemo = async (
  protocol: Protocol,
  transport: Transport,
  say: (line: string) => void,
): Promise<{ topics: TopicNames; partitions: number }> => {
  await ensureServices(
    [
      { name: 'Kafka', address: LOCAL_BROKER },
      { name: `${SERVER_NAMES[protocol]} ${transport}`, address: LOCAL_ENDPOINTS[protocol][transport] },
    ],
    say,
  );
  const topics = demoTopics(protocol, transport);
  const admin = new Kafka({
    clientId: 'msk-inference-demo',
    brokers: [LOCAL_BROKER],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = Object.values(topics).filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({
        topics: missing.map((topic) => ({ topic, numPartitions: DEMO_PARTITIONS, replicationFactor: 1 })),
        waitForLeaders: true,
      });
    }
    const [input] = (await admin.fetchTopicMetadata({ topics: [topics.input] })).topics;
    return { topics, partitions: Math.max(1, input?.partitions.length ?? 1) };
  } finally {
    await admin.disconnect();
  }
};

export interface DemoRun {
  readonly protocol: Protocol;
  readonly transport: Transport;
  readonly topics: TopicNames;
  /** Partitions of the input topic: the requests go round-robin over them. */
  readonly partitions: number;
  readonly poller: Poller;
  /** How many requests to send (the samples repeat with new keys). */
  readonly count: number;
  /** Keep printing after the last answer, until stopped. */
  readonly follow: boolean;
  /** Give up waiting for the answers after this long. */
  readonly waitMs: number;
  readonly say: (line: string) => void;
}

/**
 * Produces `count` records round-robin over the partitions, in chunks (one request per chunk),
 * and reports where each landed: a partition's records of a chunk get consecutive offsets.
 */
const send = async (
  producer: Producer,
  topic: string,
  partitions: number,
  count: number,
  landed: (i: number, partition: number, offset: number) => void,
  recordOf: (i: number) => SampleRecord,
): Promise<void> => {
  for (let start = 0; start < count; start += CHUNK) {
    const indexes = Array.from({ length: Math.min(CHUNK, count - start) }, (_, j) => start + j);
    const messages = indexes.map((i) => ({ ...recordOf(i), partition: i % partitions }));
    const acks = await producer.send({ topic, acks: -1, messages });
    const next = new Map(acks.map((a) => [a.partition, Number(a.baseOffset)]));
    for (const [j, i] of indexes.entries()) {
      const partition = messages[j]!.partition;
      const offset = next.get(partition)!;
      next.set(partition, offset + 1);
      landed(i, partition, offset);
    }
  }
};

const row = (s: IrisSample): string => `[${s.row.map((x) => x.toFixed(1)).join(', ')}]`;

/**
 * Sends the requests and prints each answer. Resolves with the exit code once every request has
 * an answer (0: all predicted, 1: some on the error topic or none within `waitMs`); with `follow`,
 * keeps printing until `stop` is called.
 */
export const runDemo = async (run: DemoRun, stopped: Promise<void>): Promise<number> => {
  const { protocol, transport, topics, say } = run;
  const pending = new Map<string, { sample: IrisSample; sentAt: number }>();
  let predicted = 0;
  let failed = 0;
  let allAnswered!: () => void;
  const answered = new Promise<void>((resolve) => {
    allAnswered = resolve;
  });

  let shown = 0;
  const show = ({ kind, record, source, header }: WatchedRecord): void => {
    const mine = source === undefined ? undefined : pending.get(source);
    if (mine === undefined && !run.follow) return;
    if (source !== undefined) pending.delete(source);
    // Past a screenful, count instead of printing (e.g. --count 10000 to watch the progress line).
    const quiet = ++shown > MAX_LINES;
    if (shown === MAX_LINES + 1) say('  ... (further answers counted, not printed)');
    const key = record.key?.toString('utf8') ?? '(no key)';
    const ms = mine === undefined ? '' : `  ${Date.now() - mine.sentAt} ms`;
    if (kind === 'error') {
      failed++;
      if (!quiet)
        say(`  ${key.padEnd(9)} -> error topic: ${header('msk-inference-error') ?? '(no reason)'}${ms}`);
    } else {
      let text: string;
      try {
        const labels = labelsOf(protocol, transport, record.value ?? Buffer.alloc(0));
        text = labels.map((l) => SPECIES[l] ?? String(l)).join(', ');
        predicted++;
      } catch (error) {
        text = `unreadable answer (${(error as Error).message})`;
        failed++;
      }
      const expected = mine === undefined ? '' : `  (data set: ${mine.sample.species})`;
      const input = mine === undefined ? '' : ` ${row(mine.sample)}`;
      if (!quiet) say(`  ${key.padEnd(9)}${input} -> ${text.padEnd(10)}${expected}${ms}`);
    }
    if (pending.size === 0) allAnswered();
  };

  const watcher = await OutputWatcher.start({
    brokers: [LOCAL_BROKER],
    outputTopic: topics.output,
    errorTopic: topics.errors,
    onRecord: show,
  });
  const kafka = new Kafka({
    clientId: 'msk-inference-demo',
    brokers: [LOCAL_BROKER],
    logLevel: logLevel.NOTHING,
  });
  // Idempotent like the handler's producer, and connected before it: on a new broker the first
  // InitProducerId waits for the broker's first block of producer IDs, and kafkajs logs each retry of
  // it, which the handler reports as warnings. This one waits instead, quietly.
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent: true,
    retry: { retries: 5 },
  });
  await producer.connect();
  const started = Date.now();
  try {
    say(
      `Sending ${run.count} ${protocol} ${transport} requests to ${topics.input} (${run.partitions} partitions).`,
    );
    // The samples repeat with new keys: iris-7 is iris-1's row again.
    const sampleOf = (i: number): IrisSample => ({
      ...IRIS_SAMPLES[i % IRIS_SAMPLES.length]!,
      key: `iris-${i + 1}`,
    });
    await send(
      producer,
      topics.input,
      run.partitions,
      run.count,
      (i, partition, offset) => {
        pending.set(`${topics.input}/${partition}/${offset}`, { sample: sampleOf(i), sentAt: Date.now() });
      },
      (i) => sampleRecord(protocol, transport, sampleOf(i)),
    );
    say(`Predictions from ${topics.output} (key, input, predicted species, data set's species, latency):`);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), run.waitMs);
    });
    const outcome = await Promise.race([
      answered.then(() => 'answered' as const),
      timedOut,
      stopped.then(() => 'stopped' as const),
    ]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      say(
        `No answer within ${Math.round(run.waitMs / 1000)} s for ${pending.size} of ${run.count} requests ` +
          `(poller: ${JSON.stringify(run.poller.stats)}). Check the model server: bash scripts/services.sh status`,
      );
      return 1;
    }
    if (outcome === 'answered') {
      say(
        `${predicted} of ${run.count} answered with a prediction${failed > 0 ? `, ${failed} on ${topics.errors}` : ''} ` +
          `in ${((Date.now() - started) / 1000).toFixed(1)} s (${run.poller.stats.invocations} handler invocations).`,
      );
    }
    if (run.follow && outcome !== 'stopped') {
      say(`Following ${topics.input} -> ${topics.output}; produce more requests there. Ctrl-C to stop.`);
      await stopped;
    }
    return failed > 0 || pending.size > 0 ? 1 : 0;
  } finally {
    await producer.disconnect().catch(() => undefined);
    await watcher.stop();
  }
};
