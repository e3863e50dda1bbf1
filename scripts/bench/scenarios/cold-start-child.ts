/**
 * One cold start, run by the cold-start scenario in a fresh node process (compiled to plain ESM
 * first, so that no TypeScript loader sits in the measurement): imports the handler bundle, which
 * reads its configuration and builds its transport at import, then handles one event.
 *
 * Usage: node child.mjs <bundle index.mjs> <event.json>
 * Prints `BENCH {"importMs", "firstMs", "totalMs", "marksUs", "response"}` on stdout; `marksUs` are
 * the start, the end of the import and the first answer on `process.hrtime`'s clock, which is the
 * clock of a `--cpu-prof` profile's samples.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [bundle, eventFile] = process.argv.slice(2);
if (bundle === undefined || eventFile === undefined)
  throw new Error('usage: child.mjs <bundle> <event.json>');
const event = JSON.parse(readFileSync(eventFile, 'utf8')) as unknown;
const deadline = Date.now() + 60_000;
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'msk-inference-cold-start',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:msk-inference-cold-start',
  memoryLimitInMB: '1024',
  awsRequestId: 'cold-start',
  logGroupName: '/aws/lambda/msk-inference-cold-start',
  logStreamName: 'local',
  getRemainingTimeInMillis: () => deadline - Date.now(),
};

const hrUs = () => Number(process.hrtime.bigint() / 1000n);
const startUs = hrUs();
const started = performance.now();
const module = (await import(pathToFileURL(bundle).href)) as {
  handler: (event: unknown, context: unknown) => Promise<unknown>;
  shutdown: () => Promise<void>;
};
const imported = performance.now();
const importedUs = hrUs();
const response = await module.handler(event, context);
const answered = performance.now();
const answeredUs = hrUs();
process.stdout.write(
  `BENCH ${JSON.stringify({ importMs: imported - started, firstMs: answered - imported, totalMs: answered - started, marksUs: [startUs, importedUs, answeredUs], response })}\n`,
);
await module.shutdown();
process.exit(0);
