/**
 * Runs the real handler once in a process of its own, as a Lambda cold start would: the
 * environment is the parent's, the event comes from a file, the response (or the thrown error's
 * name) goes to another. Everything the handler, Powertools, kafkajs and the AWS SDK write goes to
 * this process's stdout and stderr, for the parent to read whole.
 *
 * Usage: tsx test/helpers/handler-process.ts <event.json> <response.json> <timeout ms>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { lambdaContext } from '../../scripts/local/context.js';

const [eventPath, responsePath, timeoutMs] = process.argv.slice(2) as [string, string, string];
const { handler, shutdown } = await import('../../functions/stream-inference/index.js');
const context = lambdaContext({ functionName: 'msk-inference-test', timeoutMs: Number(timeoutMs) });
try {
  const response = await handler(JSON.parse(readFileSync(eventPath, 'utf8')), context);
  writeFileSync(responsePath, JSON.stringify({ response }));
} catch (error) {
  writeFileSync(responsePath, JSON.stringify({ thrown: (error as Error).name }));
} finally {
  await shutdown();
}
