/**
 * `npm run soak`: a long run through the local poller and the handler at a steady rate, watching
 * the function's process for leaks (RSS over the second half) and stalls (event-loop delay), and
 * counting every record on the output and error topics: in = out + errors, nothing lost.
 *
 * Writes bench-results/soak/soak.json and soak.svg (and docs/soak/ for a run of a million records,
 * or with --write); exits 1 when a record is lost or RSS grows more than 10% over the second half.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { killChildren, type StartedChild, startTsChild } from '../bench/children.js';
import { CONCURRENCY } from '../bench/context.js';
import { connectKafka } from '../bench/kafka.js';
import { describeMachine } from '../bench/machine.js';
import { BATCHING, PARTITIONS } from '../bench/scenarios/model.js';
import { integerFlag, oneOfFlag, runMain, UsageError } from '../local/cli.js';
import { LOCAL_ENDPOINTS, localHandlerEnv } from '../local/local-services.js';
import { OutputWatcher } from '../local/output-watcher.js';
import { ensureServices } from '../local/services.js';
import { chartSvg } from './chart.js';
import { feed } from './feeder.js';
import { CONFIG_VARIABLE, type FunctionConfig, readReports, samplesOf } from './reports.js';
import {
  type Progress,
  progressLine,
  renderText,
  type SoakSettings,
  soakChart,
  summarize,
} from './summary.js';
import { KeyTally } from './tally.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FULL_RECORDS = 1_000_000;

const USAGE = `Usage: npm run soak -- [--records N] [--rate N] [--model instant|mlserver] [--coalesce N]
                       [--sample-seconds N] [--max-minutes N] [--write]

  --records         records to feed (default ${FULL_RECORDS.toLocaleString('en-US')})
  --rate            records per second, one producer (default 1,500)
  --model           instant: a node:http model answering at once, one call per record (default);
                    mlserver: the local MLServer iris (V2 REST), with --coalesce
  --coalesce        COALESCE_MAX_RECORDS (mlserver only; default 64)
  --sample-seconds  how often the function's process is sampled (default 10)
  --max-minutes     the run gives up after this long (default 15)
  --write           also write docs/soak/ (a run of ${FULL_RECORDS.toLocaleString('en-US')} records always does)

Needs the local services (npm run services:up; started here when they do not answer).
`;

const settingsFrom = (args: string[]): SoakSettings & { write: boolean } => {
  const { values } = parseArgs({
    args,
    options: {
      records: { type: 'string' },
      rate: { type: 'string' },
      model: { type: 'string' },
      coalesce: { type: 'string' },
      'sample-seconds': { type: 'string' },
      'max-minutes': { type: 'string' },
      write: { type: 'boolean', default: false },
    },
  });
  const model = oneOfFlag('model', values.model, ['instant', 'mlserver'] as const) ?? 'instant';
  const coalesce = integerFlag('coalesce', values.coalesce, 1) ?? (model === 'mlserver' ? 64 : 1);
  // The instant model's one fixed answer has one row: a packed call would be refused.
  if (model === 'instant' && coalesce > 1) throw new UsageError('--coalesce needs --model mlserver');
  const settings = {
    records: integerFlag('records', values.records, 1) ?? FULL_RECORDS,
    rate: integerFlag('rate', values.rate, 1) ?? 1_500,
    model,
    coalesceMaxRecords: coalesce,
    modelConcurrency: CONCURRENCY,
    partitions: PARTITIONS,
    batchSize: BATCHING.batchSize,
    windowMs: BATCHING.windowMs,
    sampleSeconds: integerFlag('sample-seconds', values['sample-seconds'], 1) ?? 10,
    maxMinutes: integerFlag('max-minutes', values['max-minutes'], 1) ?? 15,
    write: values.write,
  };
  const feedSeconds = settings.records / settings.rate;
  if (feedSeconds + 60 > settings.maxMinutes * 60) {
    throw new UsageError(
      `${settings.records} records at ${settings.rate}/s take ${Math.ceil(feedSeconds)} s to feed: ` +
        `more than --max-minutes ${settings.maxMinutes} allows with a minute to set up and drain`,
    );
  }
  return settings;
};

const log = (line: string): void => {
  process.stderr.write(`soak: ${line}\n`);
};

/** The model's endpoint: the instant model in a child process of ours, or the local MLServer. */
const startModel = async (settings: SoakSettings): Promise<{ endpoint: string; model?: StartedChild }> => {
  if (settings.model === 'mlserver') return { endpoint: LOCAL_ENDPOINTS.v2.rest };
  const model = startTsChild(new URL('../bench/instant-model-server.ts', import.meta.url));
  const { port } = (await model.ready) as { port: number };
  return { endpoint: `http://127.0.0.1:${port}`, model };
};

const main = async (): Promise<number> => {
  if (process.argv.includes('--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { write, ...settings } = settingsFrom(process.argv.slice(2));
  const deadline = Date.now() + settings.maxMinutes * 60_000;
  await ensureServices(
    [
      { name: 'Kafka', address: '127.0.0.1:9092' },
      ...(settings.model === 'mlserver' ? [{ name: 'MLServer REST', address: LOCAL_ENDPOINTS.v2.rest }] : []),
    ],
    log,
  );
  const machine = describeMachine();
  const dir = join(ROOT, 'bench-results', 'soak');
  mkdirSync(dir, { recursive: true });
  const kafka = await connectKafka();
  const stops: (() => Promise<void>)[] = [];
  try {
    const [input, output, errors] = await kafka.topics(['soak-in', 'soak-out', 'soak-errors'], PARTITIONS);
    const topics = { input: input!, output: output!, errors: errors! };
    const { endpoint, model } = await startModel(settings);
    if (model !== undefined) stops.push(() => model.stop());

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
    stops.unshift(() => watcher.stop());

    const config: FunctionConfig = {
      brokers: kafka.brokers,
      topic: topics.input,
      groupId: `${topics.input}-poller`,
      batching: BATCHING,
      handlerEnv: {
        ...localHandlerEnv('v2', 'rest', topics, kafka.brokers.join(',')),
        MODEL_ENDPOINT: endpoint,
        MODEL_CONCURRENCY: String(settings.modelConcurrency),
        COALESCE_MAX_RECORDS: String(settings.coalesceMaxRecords),
      },
      bundleDir: dir,
      sampleMs: settings.sampleSeconds * 1000,
    };
    const fn = startTsChild(new URL('./function-process.ts', import.meta.url), {
      ...process.env,
      [CONFIG_VARIABLE]: JSON.stringify(config),
    });
    stops.unshift(() => fn.stop(30_000));
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
    }, config.sampleMs);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), deadline - 30_000 - Date.now());
    const firstProduceAt = Date.now();
    mark();
    produced = await feed({
      producer: kafka.producer,
      topic: topics.input,
      tag,
      count: settings.records,
      rate: settings.rate,
      signal: abort.signal,
      onSent: (sent) => {
        produced = sent;
      },
    });
    const fedAt = Date.now();
    const exited = () => fn.child.exitCode !== null || fn.child.signalCode !== null;
    while (tally.answered < produced && !abort.signal.aborted && !exited()) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    clearTimeout(timer);
    clearInterval(ticker);
    mark();
    const endedBy = exited() ? 'function-exited' : abort.signal.aborted ? 'deadline' : 'answered';
    stops.shift();
    await fn.stop(30_000);
    const reports = readReports(fn.lines);
    const overall = reports.find((r) => r.kind === 'overall');
    const offsets = await kafka.admin.fetchTopicOffsets(topics.input);

    const harnessCpu = process.cpuUsage();
    const result = summarize({
      settings,
      machine,
      command: `npm run soak${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
      topics,
      firstProduceAt,
      fedAt,
      lastAnswerAt: lastAnswerAt || Date.now(),
      produced,
      progress,
      endedBy,
      inputTopicRecords: offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0),
      counts: tally.counts(),
      samples: samplesOf(reports),
      eventLoopDelay: overall?.kind === 'overall' ? overall.eventLoopDelay : undefined,
      loadAtEnd: describeMachine().loadAtStart,
      harnessCpuMs: (harnessCpu.user + harnessCpu.system) / 1000,
    });
    const outDirs = [dir, ...(write || settings.records >= FULL_RECORDS ? [join(ROOT, 'docs', 'soak')] : [])];
    for (const out of outDirs) {
      mkdirSync(out, { recursive: true });
      writeFileSync(join(out, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
      writeFileSync(join(out, 'soak.svg'), chartSvg(soakChart(result)));
      log(`wrote ${join(out, 'soak.json')} and soak.svg`);
    }
    process.stdout.write(`${renderText(result).join('\n')}\n`);
    return result.failures.length === 0 ? 0 : 1;
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
    await kafka.close();
  }
};

process.once('exit', killChildren);
process.once('SIGINT', () => {
  killChildren();
  process.exit(130);
});

runMain('soak', USAGE, main, { exit: true });
