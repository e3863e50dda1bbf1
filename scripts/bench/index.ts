/**
 * `npm run bench`: the stream adapter measured against the limits and against MLServer's own Kafka
 * server, on the local services (Kafka 9092, MLServer 8080/8081), plus its memory, its scale-out and
 * its Kafka client. Every figure is the median (and quartiles) of several runs after a warm-up, and
 * every ratio is the median of ratios of runs made back to back in this same run.
 *
 * Prints a table and the time the bench took, writes bench-results/latest.json and the charts under
 * bench-results/charts/, and (full runs) the figures in BENCHMARKS.md and the charts beside it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runMain, UsageError } from '../local/cli.js';
import { LOCAL_ENV_DEFAULTS } from '../local/handler.js';
import { LOCAL_BROKER } from '../local/local-services.js';
import { ensureServices } from '../local/services.js';
import { renderBarChart } from './chart.js';
import { killChildren } from './children.js';
import type { BenchContext } from './context.js';
import { describeMachine } from './machine.js';
import { type BenchReport, CHART_DIR, renderMarkdown, renderText, writeBenchmarksMd } from './report.js';
import { SCENARIOS, type ScenarioId, type ScenarioResult } from './results.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const USAGE = `Usage: npm run bench -- [--quick] [--only <scenario>[,<scenario>…]] [--write]

Scenarios: ${SCENARIOS.join(', ')}
  --quick   fewer and smaller runs (a smoke test of the bench, ~3 minutes; figures are rough)
  --only    run these scenarios (repeatable or comma-separated)
  --write   rewrite BENCHMARKS.md and its charts even for a --quick or --only run (a full run
            always does)

Needs the local services (npm run services:up; started here when Kafka or MLServer do not answer).
`;

const SKELETON = `# Benchmarks

\`npm run bench\` (scripts/bench/) measures the handler against the local services. The part between
the markers is rewritten by every full run; the rest is written by people.
`;

const runScenario = async (id: ScenarioId, ctx: BenchContext): Promise<ScenarioResult> => {
  // Imported here, after the environment below is set: the handler's telemetry reads it at import.
  switch (id) {
    case 'adapter':
      return (await import('./scenarios/adapter.js')).adapterScenario(ctx);
    case 'rest':
      return (await import('./scenarios/model.js')).modelScenario('rest', ctx);
    case 'grpc':
      return (await import('./scenarios/model.js')).modelScenario('grpc', ctx);
    case 'coalesce':
      return (await import('./scenarios/coalesce.js')).coalesceScenario(ctx);
    case 'cold-start':
      return (await import('./scenarios/cold-start.js')).coldStartScenario(ctx);
    case 'memory':
      return (await import('./scenarios/memory.js')).memoryScenario(ctx);
    case 'scale-out':
      return (await import('./scenarios/scale-out.js')).scaleOutScenario(ctx);
    case 'kafka-client':
      return (await import('./scenarios/kafka-client.js')).kafkaClientScenario(ctx);
    case 'tracing':
      return (await import('./scenarios/tracing.js')).tracingScenario(ctx);
  }
};

/**
 * A scenario, and once more if it fails: the local services are shared (a test run elsewhere may
 * restart the broker or a model server), so a failure is retried after they answer again. Figures
 * come only from a run that went through.
 */
const runTwice = async (
  id: ScenarioId,
  ctx: BenchContext,
  services: () => Promise<unknown>,
): Promise<ScenarioResult> => {
  try {
    return await runScenario(id, ctx);
  } catch (error) {
    ctx.log(`${id}: failed (${error instanceof Error ? error.message : String(error)}); once more`);
    killChildren();
    await services();
    return runScenario(id, ctx);
  }
};

const parseOnly = (values: readonly string[] | undefined): ScenarioId[] => {
  if (values === undefined) return [...SCENARIOS];
  const ids = values.flatMap((v) => v.split(',')).map((v) => v.trim());
  for (const id of ids) {
    if (!(SCENARIOS as readonly string[]).includes(id)) {
      throw new UsageError(`--only: unknown scenario '${id}'; one of ${SCENARIOS.join(', ')}`);
    }
  }
  return SCENARIOS.filter((s) => ids.includes(s));
};

const main = async (): Promise<number> => {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string', multiple: true },
      write: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const ids = parseOnly(values.only);
  const log = (line: string): void => {
    process.stderr.write(`bench: ${line}\n`);
  };
  // As the local runner: warnings only, no EMF blobs on stdout (the table goes there).
  for (const [name, value] of Object.entries(LOCAL_ENV_DEFAULTS)) process.env[name] ??= value;

  const services = () =>
    ensureServices(
      [
        { name: 'Kafka', address: LOCAL_BROKER },
        { name: 'MLServer REST', address: 'http://127.0.0.1:8080' },
        { name: 'MLServer gRPC', address: 'grpc://127.0.0.1:8081' },
      ],
      log,
    );
  await services();
  const dir = join(ROOT, 'bench-results');
  mkdirSync(dir, { recursive: true });
  const machine = describeMachine();
  const started = performance.now();
  const { connectKafka } = await import('./kafka.js');
  const kafka = await connectKafka();
  const ctx: BenchContext = { kafka, quick: values.quick, dir, log };
  const scenarios: ScenarioResult[] = [];
  const failed: { id: string; error: string }[] = [];
  try {
    for (const id of ids) {
      const t = performance.now();
      log(`${id}: running`);
      try {
        scenarios.push(await runTwice(id, ctx, services));
        log(`${id}: done in ${Math.round((performance.now() - t) / 1000)} s`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        log(`${id}: FAILED: ${message}`);
        failed.push({ id, error: message });
      }
    }
  } finally {
    killChildren();
    await kafka.close();
  }

  const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const report: BenchReport = {
    machine,
    mode: values.quick ? 'quick' : 'full',
    command,
    durationS: (performance.now() - started) / 1000,
    scenarios,
    failed,
  };
  process.stdout.write(renderText(report));
  writeFileSync(join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  const charts = scenarios.flatMap((s) => s.charts);
  const writeCharts = (into: string): void => {
    mkdirSync(into, { recursive: true });
    for (const chart of charts) writeFileSync(join(into, `${chart.file}.svg`), renderBarChart(chart));
  };
  writeCharts(join(dir, 'charts'));
  const complete = !values.quick && ids.length === SCENARIOS.length && failed.length === 0;
  if (complete || values.write) {
    writeBenchmarksMd(join(ROOT, 'BENCHMARKS.md'), renderMarkdown(report), SKELETON);
    writeCharts(join(ROOT, CHART_DIR));
    log(`wrote bench-results/latest.json, BENCHMARKS.md and ${CHART_DIR}/*.svg`);
  } else {
    log(
      'wrote bench-results/latest.json; BENCHMARKS.md is rewritten by full runs of every scenario (or --write)',
    );
  }
  return failed.length === 0 ? 0 : 1;
};

process.once('exit', killChildren);
process.once('SIGINT', () => {
  killChildren();
  process.exit(130);
});

runMain('bench', USAGE, main, { exit: true });
