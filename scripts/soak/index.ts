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
import { killChildren } from '../bench/children.js';
import { CONCURRENCY } from '../bench/context.js';
import { connectKafka } from '../bench/kafka.js';
import { describeMachine } from '../bench/machine.js';
import { BATCHING, PARTITIONS } from '../bench/scenarios/model.js';
import { integerFlag, oneOfFlag, runMain, UsageError } from '../local/cli.js';
import { LOCAL_BROKER, LOCAL_ENDPOINTS } from '../local/local-services.js';
import { ensureServices } from '../local/services.js';
import { chartSvg } from './chart.js';
import { runSoak } from './run.js';
import { renderText, type SoakSettings, soakChart } from './summary.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FULL_RECORDS = 1_000_000;

const USAGE = `Usage: npm run soak -- [--records N] [--rate N] [--model instant|mlserver] [--coalesce N]
                       [--sample-seconds N] [--max-minutes N] [--live-heap] [--write]

  --records         records to feed (default ${FULL_RECORDS.toLocaleString('en-US')})
  --rate            records per second, one producer (default 1,500)
  --model           mlserver: the local MLServer iris (V2 REST), records packed by --coalesce (default);
                    instant: a node:http model answering at once, one call per record
  --coalesce        COALESCE_MAX_RECORDS (mlserver only; default 64)
  --sample-seconds  how often the function's process is sampled (default 10)
  --max-minutes     the run gives up after this long (default 15)
  --live-heap       also read the heap after a full GC at each sample (node --expose-gc): tells a leak
                    from garbage not collected yet; the extra GCs change the RSS figures
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
      'live-heap': { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
    },
  });
  const model = oneOfFlag('model', values.model, ['instant', 'mlserver'] as const) ?? 'mlserver';
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
    liveHeap: values['live-heap'],
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

const main = async (): Promise<number> => {
  if (process.argv.includes('--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const { write, ...settings } = settingsFrom(process.argv.slice(2));
  const deadline = Date.now() + settings.maxMinutes * 60_000;
  await ensureServices(
    [
      { name: 'Kafka', address: LOCAL_BROKER },
      ...(settings.model === 'mlserver' ? [{ name: 'MLServer REST', address: LOCAL_ENDPOINTS.v2.rest }] : []),
    ],
    log,
  );
  const machine = describeMachine();
  const dir = join(ROOT, 'bench-results', 'soak');
  mkdirSync(dir, { recursive: true });
  const command = `npm run soak${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const kafka = await connectKafka();
  const result = await runSoak({ kafka, settings, machine, command, dir, deadline, log }).finally(() =>
    kafka.close(),
  );
  const outDirs = [dir, ...(write || settings.records >= FULL_RECORDS ? [join(ROOT, 'docs', 'soak')] : [])];
  for (const out of outDirs) {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'soak.json'), `${JSON.stringify(result, null, 2)}\n`);
    writeFileSync(join(out, 'soak.svg'), chartSvg(soakChart(result)));
    log(`wrote ${join(out, 'soak.json')} and soak.svg`);
  }
  process.stdout.write(`${renderText(result).join('\n')}\n`);
  return result.failures.length === 0 ? 0 : 1;
};

process.once('exit', killChildren);
process.once('SIGINT', () => {
  killChildren();
  process.exit(130);
});

runMain('soak', USAGE, main, { exit: true });
