/**
 * The function's process of a soak: the local poller feeding the input topic to the handler (bundled
 * as deployed), alone in its process so that what the soak samples (memory, event-loop delay) is
 * theirs, not the producer's or the reader's. Started by scripts/soak/index.ts; reports on stdout
 * (./reports.ts), stops on SIGTERM.
 */
import { loadConfiguredHandler } from '../bench/handlers.js';
import type { LambdaHandler } from '../local/context.js';
import { Poller } from '../local/poller.js';
import { CONFIG_VARIABLE, type FunctionConfig, type FunctionReport } from './reports.js';
import { Sampler } from './sampler.js';

const report = (r: FunctionReport): void => {
  process.stdout.write(`${JSON.stringify(r)}\n`);
};

const log = (line: string): void => {
  process.stderr.write(`soak function: ${line}\n`);
};

const main = async (): Promise<void> => {
  const config = JSON.parse(process.env[CONFIG_VARIABLE] ?? 'null') as FunctionConfig | null;
  if (config === null)
    throw new Error(`${CONFIG_VARIABLE} is not set: this process is started by npm run soak`);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (config.liveHeap && gc === undefined) throw new Error('liveHeap needs node --expose-gc');
  const sampler = new Sampler(config.liveHeap ? gc : undefined);
  const loaded = await loadConfiguredHandler(config.handlerEnv, config.bundleDir);
  // Time in the handler, counted up to the moment of each sample (the poller runs one batch at a time).
  let handlerMs = 0;
  let runningSince: number | undefined;
  const busyMs = (): number =>
    handlerMs + (runningSince === undefined ? 0 : performance.now() - runningSince);
  const handler: LambdaHandler = async (event, context) => {
    runningSince = performance.now();
    try {
      return await loaded.handler(event, context);
    } finally {
      handlerMs += performance.now() - runningSince;
      runningSince = undefined;
    }
  };
  const poller = new Poller({
    brokers: config.brokers,
    topic: config.topic,
    groupId: config.groupId,
    handler,
    batching: config.batching,
    progressIntervalMs: false,
    log,
    onStop: loaded.shutdown,
  });
  await poller.start();
  report({ kind: 'ready' });
  const sample = (): void => report({ kind: 'sample', sample: sampler.sample(poller.stats, busyMs()) });
  sample();
  const timer = setInterval(sample, config.sampleMs);
  process.once('SIGTERM', () => {
    clearInterval(timer);
    sample();
    report({ kind: 'overall', eventLoopDelay: sampler.overall() });
    sampler.stop();
    void poller.stop().then(() => process.exit(0));
  });
  poller.done.catch((error: unknown) => {
    log(`the poller stopped: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
};

main().catch((error: unknown) => {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
