/**
 * Scenario 5, cold start: the handler bundled with the CDK construct's esbuild options (its size,
 * minified), and the time from the start of its import to the first record handled, in a fresh
 * node process per run, against the local broker and MLServer.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { buildEvent } from '../../local/event.js';
import { localHandlerEnv } from '../../local/local-services.js';
import { bundle, bundleHandler, localTarget } from '../bundle.js';
import { track } from '../children.js';
import { type BenchContext, timedRounds } from '../context.js';
import { type CpuProfile, describePhase, summarizeProfile } from '../cpu-profile.js';
import { irisMessages } from '../records.js';
import type { ScenarioResult } from '../results.js';
import { series } from '../stats.js';

/** The packages that weigh most in the bundle, e.g. `@grpc/grpc-js 273 KB`. */
const heaviest = (metafile: Metafile, file: string, top: number): string => {
  const output = Object.entries(metafile.outputs).find(([path]) => file.endsWith(path))?.[1];
  const byPackage = new Map<string, number>();
  for (const [path, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const parts = path.split('node_modules/').pop()!.split('/');
    const name = path.includes('node_modules/')
      ? parts[0]!.startsWith('@')
        ? `${parts[0]}/${parts[1]}`
        : parts[0]!
      : 'msk-inference (functions/)';
    byPackage.set(name, (byPackage.get(name) ?? 0) + bytesInOutput);
  }
  return [...byPackage]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, bytes]) => `${name} ${Math.round(bytes / 1000)} KB`)
    .join(', ');
};

interface ColdStart {
  readonly importMs: number;
  readonly firstMs: number;
  readonly totalMs: number;
  readonly marksUs: readonly [number, number, number];
  readonly response: { batchItemFailures?: unknown[] };
}

const coldStart = async (
  child: string,
  bundle: string,
  eventFile: string,
  env: NodeJS.ProcessEnv,
  nodeArgs: readonly string[] = [],
): Promise<ColdStart> => {
  const started = track(
    spawn(process.execPath, [...nodeArgs, child, bundle, eventFile], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
    false,
  );
  await new Promise<void>((resolve) => started.child.once('exit', () => resolve()));
  const line = started.lines.find((l) => l.startsWith('BENCH '));
  if (line === undefined)
    throw new Error(`the cold start printed no result: ${started.lines.slice(-5).join(' | ')}`);
  const result = JSON.parse(line.slice('BENCH '.length)) as ColdStart;
  if ((result.response.batchItemFailures ?? []).length > 0) {
    throw new Error(`the first record was not handled: ${JSON.stringify(result.response)}`);
  }
  return result;
};

/** One more cold start under `node --cpu-prof`: its import and its first record, by package. */
const profiledColdStart = async (
  child: string,
  bundle: string,
  eventFile: string,
  env: NodeJS.ProcessEnv,
  dir: string,
): Promise<string[]> => {
  rmSync(dir, { recursive: true, force: true });
  const run = await coldStart(child, bundle, eventFile, env, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
  const [file] = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error(`node --cpu-prof wrote no profile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
  const [start, imported, answered] = run.marksUs;
  return summarizeProfile(profile, bundle, [
    { name: 'import', fromUs: start, toUs: imported },
    { name: 'first record', fromUs: imported, toUs: answered },
  ]).map((phase) => describePhase(phase));
};

export const coldStartScenario = async (ctx: BenchContext): Promise<ScenarioResult> => {
  const outDir = join(ctx.dir, 'cold-start');
  mkdirSync(outDir, { recursive: true });
  const { file, metafile } = await bundleHandler(ctx.dir, 'rest');
  const bytes = statSync(file).size;
  // The same REST bundle for the deployments that need an AWS SDK client (lib/bundling.ts puts each
  // client only in the bundles that can use it).
  const withClients = await Promise.all(
    (
      [
        ['KAFKA_AUTH=iam', { ...localTarget('rest'), kafkaAuth: 'iam' }],
        ['KAFKA_AUTH=scram-sha-512 or mtls', { ...localTarget('rest'), kafkaAuth: 'scram-sha-512' }],
        ['a lambda: model', { ...localTarget('rest'), lambdaModel: true }],
      ] as const
    ).map(async ([label, target], i) => {
      const built = await bundle('functions/stream-inference/index.ts', join(outDir, `sdk-${i}`), target);
      return { label, kb: statSync(built.file).size / 1000 };
    }),
  );
  // The child, compiled to plain ESM so that it runs on node alone.
  const child = join(outDir, 'child.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./cold-start-child.ts', import.meta.url))],
    outfile: child,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });

  const [input, output, errors] = await ctx.kafka.topics(['cold-in', 'cold-out', 'cold-errors'], 1);
  const topics = { input: input!, output: output!, errors: errors! };
  const [message] = irisMessages('rest', 'cold', 1);
  const event = buildEvent(
    [
      {
        topic: topics.input,
        partition: 0,
        offset: 0,
        timestamp: Date.now(),
        key: Buffer.from(message!.key as string),
        value: message!.value as Buffer,
        headers: [],
      },
    ],
    { shape: 'msk', bootstrapServers: ctx.kafka.brokers.join(',') },
  );
  const eventFile = join(outDir, 'event.json');
  writeFileSync(eventFile, JSON.stringify(event));
  // The deployed function's environment: its variables, the NODE_OPTIONS the construct sets
  // (lib/environment.ts), and Powertools at its Lambda defaults (INFO logs, EMF metrics on stdout).
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    ...localHandlerEnv('v2', 'rest', topics, ctx.kafka.brokers.join(',')),
    NODE_OPTIONS: '--enable-source-maps',
    POWERTOOLS_SERVICE_NAME: 'msk-inference',
  };

  const runs: ColdStart[] = [];
  const rounds = timedRounds(ctx.quick);
  for (let i = 0; i < 1 + rounds; i++) {
    const result = await coldStart(child, file, eventFile, env);
    if (i > 0) runs.push(result); // the first one warms the page cache, as a provisioned image would be
    ctx.log(
      `cold start: import ${result.importMs.toFixed(0)} ms, first record ${result.firstMs.toFixed(0)} ms`,
    );
  }
  const total = series(runs.map((r) => r.totalMs));
  const profile = await profiledColdStart(child, file, eventFile, env, join(outDir, 'profile'));
  ctx.log(`cold start profiled: ${profile.join('; ')}`);
  return {
    id: 'cold-start',
    title: '5. Cold start, REST',
    setup:
      `the REST bundle built with the construct's esbuild options (lib/bundling.ts: ESM, minified, node22, ` +
      `the AWS SDK bundled, source map without sources content, gRPC left out); a fresh node ${process.version} ` +
      `process per run with NODE_OPTIONS=--enable-source-maps (as the construct sets it) and Powertools at ` +
      `its Lambda defaults; one V2 REST record to MLServer, published to the local broker; heaviest in the ` +
      `bundle: ${heaviest(metafile, file, 4)}`,
    figures: [
      { label: 'bundle index.mjs (minified)', unit: 'KB', series: series([bytes / 1000]) },
      ...withClients.map(({ label, kb }) => ({
        label: `bundle index.mjs with ${label}`,
        unit: 'KB',
        series: series([kb]),
      })),
      {
        label: 'import (config, transport, producer set up)',
        unit: 'ms',
        series: series(runs.map((r) => r.importMs)),
      },
      {
        label: 'first record (model call + publish)',
        unit: 'ms',
        series: series(runs.map((r) => r.firstMs)),
      },
      { label: 'import → first record handled', unit: 'ms', series: total },
    ],
    goals: [
      { id: 'cold-start', series: total },
      { id: 'bundle', series: series([bytes / 1000]) },
    ],
    ratios: [],
    notes: [
      `where one more cold start's milliseconds went (node --cpu-prof, samples charged to the package of the innermost bundled frame through the source map; "Node.js" is the module loader and I/O outside any bundled frame): ${profile.join('; ')}`,
    ],
    charts: [],
  };
};
