/**
 * Scenario 8, the Kafka client: kafkajs (the shipped client, through KafkaPublisher) next to
 * `@platformatic/kafka` (through the bench's PlatformaticPublisher), both behind the handler's
 * `Publisher` interface: the client bundled alone with the construct's esbuild options (size), its
 * import in a fresh node process (time), and the publish of one batch of outputs to the local broker
 * (records/s, acks=all, idempotent), the two clients taking turns. Without the package installed,
 * kafkajs is measured alone and the scenario says so.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadConfig } from '../../../functions/stream-inference/config.js';
import { headerMap } from '../../../functions/stream-inference/outbound/headers.js';
import type { OutboundRecord } from '../../../functions/stream-inference/outbound/output-records.js';
import { KafkaPublisher, type Publisher } from '../../../functions/stream-inference/outbound/publisher.js';
import { localHandlerEnv } from '../../local/local-services.js';
import { bundle, localTarget } from '../bundle.js';
import { track } from '../children.js';
import { type BenchContext, timedRounds } from '../context.js';
import { INSTANT_ANSWER } from '../instant-answer.js';
import { loadPlatformatic, PLATFORMATIC_PACKAGE, PlatformaticPublisher } from '../platformatic-publisher.js';
import type { Figure, Ratio, ScenarioResult } from '../results.js';
import { interleave, perSecond, ratioSeries, series, type Variant } from '../stats.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const RECORDS = 10_000;
const PARTITIONS = 4;

/** What each client's bundle holds: the client alone, as the publisher uses it. */
const ENTRIES = {
  kafkajs: "export { Kafka, Partitioners, CompressionTypes } from 'kafkajs';\n",
  platformatic: `export { Producer } from '${PLATFORMATIC_PACKAGE}';\n`,
} as const;
type Client = keyof typeof ENTRIES;

/**
 * Files a client reads beside its code at import, which a deployment must ship with the bundle:
 * @platformatic/wasm-utils reads `new URL('../dist/native.wasm', import.meta.url)`.
 */
const ASSETS: Record<Client, ReadonlyArray<{ from: string; to: string }>> = {
  kafkajs: [],
  platformatic: [
    { from: 'node_modules/@platformatic/wasm-utils/dist/native.wasm', to: '../dist/native.wasm' },
  ],
};

/** Imports a bundle in a fresh node and prints the ms it took. */
const IMPORT_CHILD =
  'const t = performance.now(); await import(process.argv[1]); ' +
  "process.stdout.write('IMPORT ' + (performance.now() - t) + '\\n');";

const importMs = async (file: string): Promise<number> => {
  const child = track(
    spawn(process.execPath, ['--input-type=module', '-e', IMPORT_CHILD, file], {
      env: { PATH: process.env['PATH'] },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
    false,
  );
  const line = await child.nextLine((l) => l.startsWith('IMPORT '));
  await child.stop();
  return Number(line.slice('IMPORT '.length));
};

/** The outputs of one batch as the handler builds them: answers with the input's key and our headers. */
const outputs = (topic: string): OutboundRecord[] =>
  Array.from({ length: RECORDS }, (_, i) => ({
    topic,
    key: Buffer.from(`client-${i}`),
    value: INSTANT_ANSWER,
    headers: headerMap([
      ['content-type', 'application/json'],
      ['msk-inference-source', `in-${i % PARTITIONS}@${i}`],
    ]),
  }));

const publishVariant = (name: Client, publisher: Publisher, records: OutboundRecord[]): Variant => ({
  name,
  run: async () => {
    const started = performance.now();
    await publisher.publish(records, Date.now() + 60_000);
    return perSecond(records.length, performance.now() - started);
  },
});

export const kafkaClientScenario = async (ctx: BenchContext): Promise<ScenarioResult> => {
  const dir = join(ctx.dir, 'kafka-client');
  mkdirSync(dir, { recursive: true });
  const rounds = timedRounds(ctx.quick);
  const platformatic = await loadPlatformatic();
  const clients: Client[] = platformatic === undefined ? ['kafkajs'] : ['kafkajs', 'platformatic'];

  const bundles = new Map<Client, string>();
  const shippedKb = new Map<Client, number>();
  for (const client of clients) {
    const entry = join(dir, `entry-${client}.ts`);
    writeFileSync(entry, ENTRIES[client]);
    const built = await bundle(relative(ROOT, entry), join(dir, client), localTarget('rest'));
    bundles.set(client, built.file);
    let bytes = statSync(built.file).size;
    for (const asset of ASSETS[client]) {
      const to = fileURLToPath(new URL(asset.to, pathToFileURL(built.file)));
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(join(ROOT, asset.from), to);
      bytes += statSync(to).size;
    }
    shippedKb.set(client, bytes / 1000);
  }
  const imports = await interleave(
    clients.map((client) => ({ name: client, run: () => importMs(bundles.get(client)!) })),
    { warmup: 1, runs: rounds },
  );

  const [output] = await ctx.kafka.topics(['client-out'], PARTITIONS);
  const { kafka } = loadConfig(
    localHandlerEnv(
      'v2',
      'rest',
      { input: 'client-in', output: output!, errors: 'client-errors' },
      ctx.kafka.brokers.join(','),
    ),
  );
  const records = outputs(output!);
  const publishers = new Map<Client, Publisher>([
    ['kafkajs', new KafkaPublisher({ brokers: ctx.kafka.brokers, kafka })],
  ]);
  if (platformatic !== undefined) {
    publishers.set(
      'platformatic',
      new PlatformaticPublisher(platformatic, { brokers: ctx.kafka.brokers, kafka }),
    );
  }
  try {
    const publishes = await interleave(
      clients.map((client) => publishVariant(client, publishers.get(client)!, records)),
      { warmup: 1, runs: rounds },
      (name, value) => ctx.log(`kafka-client ${name}: ${Math.round(value)} records/s`),
    );
    const figures: Figure[] = clients.flatMap((client) => [
      {
        label: `${client}: bundle (the client alone, minified, with the files it reads at import)`,
        unit: 'KB',
        series: series([shippedKb.get(client)!]),
      },
      { label: `${client}: import in a fresh node`, unit: 'ms', series: imports.get(client)! },
      {
        label: `${client}: publish ${RECORDS.toLocaleString('en-US')} outputs`,
        unit: 'records/s',
        series: publishes.get(client)!,
      },
    ]);
    const ratios: Ratio[] =
      platformatic === undefined
        ? []
        : [
            {
              label: 'publish, @platformatic/kafka / kafkajs',
              series: ratioSeries(publishes.get('platformatic')!, publishes.get('kafkajs')!),
            },
            {
              label: 'import, @platformatic/kafka / kafkajs',
              series: ratioSeries(imports.get('platformatic')!, imports.get('kafkajs')!),
            },
          ];
    return {
      id: 'kafka-client',
      title: '8. Kafka client, kafkajs and @platformatic/kafka',
      setup:
        `each client bundled alone with the construct's esbuild options; its import timed in a fresh ` +
        `node ${process.version} process; then one batch of ${RECORDS.toLocaleString('en-US')} outputs ` +
        `(${INSTANT_ANSWER.length}-byte answers, two headers, ${PARTITIONS} partitions) published through ` +
        `the handler's Publisher interface (KafkaPublisher; the bench's PlatformaticPublisher), ` +
        `idempotent, acks=all, requests of at most 1 MB one after the other; the clients take turns, ` +
        `${rounds} timed rounds after one warm-up`,
      figures,
      goals: [],
      ratios,
      notes:
        platformatic === undefined
          ? [
              `${PLATFORMATIC_PACKAGE} is not installed: kafkajs was measured alone. Add it as a ` +
                `devDependency to measure it (the 1.x line runs on Node 20; 2.x needs Node 22.22).`,
            ]
          : [],
      charts: [],
    };
  } finally {
    for (const publisher of publishers.values()) await publisher.close();
  }
};
