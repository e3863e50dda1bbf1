/**
 * One soak run on the local broker: its own topics, a model, the function's process (poller and
 * handler), one producer at a steady rate, and a reader counting every answer by key.
 */

import { startTsChild } from '../bench/children.js';
import type { BenchKafka } from '../bench/kafka.js';
import { describeMachine, type Machine } from '../bench/machine.js';
import { BATCHING } from '../bench/scenarios/model.js';
import { LOCAL_ENDPOINTS, localHandlerEnv, type TopicNames } from '../local/local-services.js';
import { OutputWatcher } from '../local/output-watcher.js';
import { groupLag } from '../local/topic-reader.js';
import { feed } from './feeder.js';
import { CONFIG_VARIABLE, type FunctionConfig, readReports, samplesOf } from './reports.js';
import { type Progress, progressLine, type SoakResult, type SoakSettings, summarize } from './summary.js';
import { KeyTally } from './tally.js';

export interface RunOptions {
  readonly kafka: BenchKafka;
  readonly settings: SoakSettings;
  readonly machine: Machine;
  readonly command: string;
  /** Where the handler is bundled. */
  readonly dir: string;
  /** Epoch ms by which the run is over, teardown included. */
  readonly deadline: number;
  readonly log: (line: string) => void;
}

/** Time kept back from the deadline to stop the processes and delete the topics. */
const TEARDOWN_MS = 30_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Stops what was started, last first, whatever failed. */
class Stack {
  readonly #stops: (() => Promise<void>)[] = [];

  push(stop: () => Promise<void>): void {
    this.#stops.unshift(stop);
  }

  async unwind(): Promise<void> {
    for (const stop of this.#stops.splice(0)) await stop().catch(() => undefined);
  }
}

/** The model's endpoint: the instant model in a child process of ours, or the local MLServer. */
const startModel = async (settings: SoakSettings, stack: Stack): Promise<string> => {
  if (settings.model === 'mlserver') return LOCAL_ENDPOINTS.v2.rest;
  const model = startTsChild(new URL('../bench/instant-model-server.ts', import.meta.url));
  stack.push(() => model.stop());
  const { port } = (await model.ready) as { port: number };
  return `http://127.0.0.1:${port}`;
};

const functionConfig = (o: RunOptions, topics: TopicNames, endpoint: string): FunctionConfig => ({
  brokers: o.kafka.brokers,
  topic: topics.input,
  groupId: `${topics.input}-poller`,
  batching: BATCHING,
  handlerEnv: {
    ...localHandlerEnv('v2', 'rest', topics, o.kafka.brokers.join(',')),
    MODEL_ENDPOINT: endpoint,
    MODEL_CONCURRENCY: String(o.settings.modelConcurrency),
    COALESCE_MAX_RECORDS: String(o.settings.coalesceMaxRecords),
  },
  bundleDir: o.dir,
  sampleMs: o.settings.sampleSeconds * 1000,
  liveHeap: o.settings.liveHeap,
});

/**
 * @example
 * const result = await runSoak({ kafka, settings, machine, command, dir, deadline, log });
 * result.failures; // [] when nothing was lost and RSS held
 */
export const runSoak = async (o: RunOptions): Promise<SoakResult> => {
  const { kafka, settings, log } = o;
  const stack = new Stack();
  try {
    const [input, output, errors] = await kafka.topics(
      ['soak-in', 'soak-out', 'soak-errors'],
      settings.partitions,
    );
    const topics = { input: input!, output: output!, errors: errors! };
    const endpoint = await startModel(settings, stack);

    const tag = `soak${Date.now().toString(36)}`;
    const tally = new KeyTally(tag, settings.records);
    let lastAnswerAt = 0;
    const watcher = await OutputWatcher.start({
      brokers: kafka.brokers,
      outputTopic: topics.output,
      errorTopic: topics.errors,
      onRecord: (r) => {
        const before = tally.answered;
        tally.see(r.kind, r.record.key?.toString('utf8'));
        if (tally.answered > before) lastAnswerAt = Date.now();
      },
    });
    stack.push(() => watcher.stop());

    const config = functionConfig(o, topics, endpoint);
    const fn = startTsChild(new URL('./function-process.ts', import.meta.url), {
      ...process.env,
      ...(settings.liveHeap
        ? { NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --expose-gc`.trim() }
        : {}),
      [CONFIG_VARIABLE]: JSON.stringify(config),
    });
    stack.push(() => fn.stop(TEARDOWN_MS));
    await fn.ready;
    log(
      `feeding ${settings.records} records at ${settings.rate}/s to ${topics.input} (${settings.model} model)`,
    );

    let produced = 0;
    const progress: Progress[] = [];
    const mark = (): void => {
      progress.push({ at: Date.now(), fed: produced, answered: tally.answered });
    };
    const ticker = setInterval(() => {
      mark();
      log(progressLine(progress.at(-1)!, samplesOf(readReports(fn.lines))));
    }, settings.sampleSeconds * 1000);
    const giveUp = AbortSignal.timeout(Math.max(0, o.deadline - TEARDOWN_MS - Date.now()));
    const firstProduceAt = Date.now();
    mark();
    produced = await feed({
      producer: kafka.producer,
      topic: topics.input,
      tag,
      count: settings.records,
      rate: settings.rate,
      signal: giveUp,
      onSent: (sent) => {
        produced = sent;
      },
    });
    const fedAt = Date.now();
    const exited = (): boolean => fn.child.exitCode !== null || fn.child.signalCode !== null;
    while (tally.answered < produced && !giveUp.aborted && !exited()) await sleep(250);
    clearInterval(ticker);
    mark();
    const endedBy = exited() ? 'function-exited' : giveUp.aborted ? 'deadline' : 'answered';

    // SIGTERM: the function's process takes a last sample and reports the whole run's delay.
    await fn.stop(TEARDOWN_MS);
    const reports = readReports(fn.lines);
    const overall = reports.find((r) => r.kind === 'overall');
    const offsets = await kafka.admin.fetchTopicOffsets(topics.input);
    const pendingOnInput = await groupLag(kafka.admin, config.groupId, topics.input);
    const harnessCpu = process.cpuUsage();
    return summarize({
      settings,
      machine: o.machine,
      command: o.command,
      topics,
      firstProduceAt,
      fedAt,
      lastAnswerAt: lastAnswerAt || Date.now(),
      produced,
      progress,
      endedBy,
      inputTopicRecords: offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0),
      counts: tally.counts(),
      pendingOnInput,
      samples: samplesOf(reports),
      eventLoopDelay: overall?.kind === 'overall' ? overall.eventLoopDelay : undefined,
      loadAtEnd: describeMachine().loadAtStart,
      harnessCpuMs: (harnessCpu.user + harnessCpu.system) / 1000,
    });
  } finally {
    await stack.unwind();
  }
};
