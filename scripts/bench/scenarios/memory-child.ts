/**
 * One process's memory over cold start and a few invocations of one large batch, run by the memory
 * scenario in a fresh node process (compiled to plain ESM first: no TypeScript loader in the
 * measurement). Imports the handler bundle, then reads the event as Lambda's runtime does (the JSON
 * body parsed into an object, the text then left to the collector) and invokes the handler.
 *
 * Usage: node child.mjs <bundle index.mjs> <event.json> <invocations>
 * Prints `BENCH {"importedRssMb", "peakRssMb", "peakHeapUsedMb", "peakHeapTotalMb", "peakExternalMb"}`.
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const MB = 1024 * 1024;
const [bundle, eventFile, invocationsArg] = process.argv.slice(2);
if (bundle === undefined || eventFile === undefined)
  throw new Error('usage: child.mjs <bundle> <event.json> <invocations>');

/**
 * Highest heap figures seen. Sampled on a timer, so a peak inside one synchronous stretch (a parse)
 * can be missed; RSS needs no sampling: the kernel keeps its high-water mark (`maxRSS`).
 */
const peak = { heapUsed: 0, heapTotal: 0, external: 0 };
const sample = (): void => {
  const m = process.memoryUsage();
  peak.heapUsed = Math.max(peak.heapUsed, m.heapUsed);
  peak.heapTotal = Math.max(peak.heapTotal, m.heapTotal);
  peak.external = Math.max(peak.external, m.external + m.arrayBuffers);
};
const sampler = setInterval(sample, 2);

const context = (deadline: number) => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'msk-inference-memory',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:msk-inference-memory',
  memoryLimitInMB: '256',
  awsRequestId: 'memory',
  logGroupName: '/aws/lambda/msk-inference-memory',
  logStreamName: 'local',
  getRemainingTimeInMillis: () => deadline - Date.now(),
});

/** As the runtime interface client: the invocation's body is text, parsed once. */
const readEvent = (): unknown => JSON.parse(readFileSync(eventFile, 'utf8')) as unknown;

const module = (await import(pathToFileURL(bundle).href)) as {
  handler: (event: unknown, context: unknown) => Promise<{ batchItemFailures?: unknown[] }>;
  shutdown: () => Promise<void>;
};
sample();
const importedRssMb = process.memoryUsage.rss() / MB;
for (let i = 0; i < Number(invocationsArg ?? 1); i++) {
  const response = await module.handler(readEvent(), context(Date.now() + 60_000));
  sample();
  if ((response.batchItemFailures ?? []).length > 0) {
    throw new Error(`the batch was not handled: ${JSON.stringify(response).slice(0, 300)}`);
  }
}
clearInterval(sampler);
process.stdout.write(
  `BENCH ${JSON.stringify({
    importedRssMb,
    // Linux reports maxRSS in kilobytes.
    peakRssMb: (process.resourceUsage().maxRSS * 1024) / MB,
    peakHeapUsedMb: peak.heapUsed / MB,
    peakHeapTotalMb: peak.heapTotal / MB,
    peakExternalMb: peak.external / MB,
  })}\n`,
);
await module.shutdown();
process.exit(0);
