/**
 * Runs the handler once on an event file and prints its response, as `sam local invoke` would,
 * without Docker: `npm run invoke -- --event events/v2-rest-msk.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { integerFlag, isMain, runMain, UsageError } from './cli.js';
import { DEFAULT_TIMEOUT_MS, invoke } from './context.js';
import { type Env, parseAssignments, readEnvFile } from './env-file.js';
import { loadHandler } from './handler.js';

const USAGE = `Usage: npm run invoke -- --event <file> [options]

Runs the stream handler once on a Lambda Kafka event and prints the response (the partial batch
response) on stdout; the handler's logs go to stderr.

Options:
  --event <file>          the event (e.g. one of events/*.json; make more with npm run event)
  --env-file <file>       environment in sam local invoke --env-vars format:
                          {"Parameters": {...}} and/or {"<FunctionLogicalId>": {...}}
                          (default: events/env/<protocol>-<transport>.json for a sample event)
  --function-id <id>      which function entry of the env file to use
  --env <NAME=value>      one more variable (repeatable; wins over the file)
  --timeout-ms <n>        the function timeout (default: ${DEFAULT_TIMEOUT_MS})
  --handler <file>        a built bundle exporting handler (e.g. cdk.out/asset.<hash>/index.mjs)
                          instead of functions/stream-inference/index.ts
`;

/** `events/env/v2-rest.json` for `events/v2-rest-msk.json`: the sample events' own environment. */
export const sampleEnvFile = (eventPath: string): string | undefined => {
  const match = /^(v2|seldon|tensorflow)-(rest|grpc)-/.exec(basename(eventPath));
  if (match === null) return undefined;
  const file = join(dirname(eventPath), 'env', `${match[1]}-${match[2]}.json`);
  return existsSync(file) ? file : undefined;
};

const main = async (): Promise<number> => {
  const { values } = parseArgs({
    options: {
      event: { type: 'string', short: 'e' },
      'env-file': { type: 'string' },
      'env-vars': { type: 'string', short: 'n' },
      'function-id': { type: 'string' },
      env: { type: 'string', multiple: true, default: [] },
      'timeout-ms': { type: 'string' },
      handler: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.event === undefined) throw new UsageError('--event <file> is required');
  let event: unknown;
  try {
    event = JSON.parse(readFileSync(values.event, 'utf8'));
  } catch (cause) {
    throw new UsageError(`--event ${values.event}: ${(cause as Error).message}`);
  }
  const envFile = values['env-file'] ?? values['env-vars'] ?? sampleEnvFile(values.event);
  if (envFile !== undefined && values['env-file'] === undefined && values['env-vars'] === undefined) {
    process.stderr.write(`invoke: environment from ${envFile}\n`);
  }
  let env: Env;
  try {
    env = {
      ...(envFile === undefined ? {} : readEnvFile(envFile, values['function-id'])),
      ...parseAssignments(values.env),
    };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const timeoutMs = integerFlag('timeout-ms', values['timeout-ms'], 1) ?? DEFAULT_TIMEOUT_MS;

  // As with sam local invoke, stdout carries only the response: the handler's logs go to stderr.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

  const started = Date.now();
  const { handler, shutdown } = await loadHandler(
    env,
    ...(values.handler === undefined ? [] : [resolve(values.handler)]),
  );
  let code = 0;
  try {
    const response = await invoke(handler, event, { timeoutMs });
    write(`${JSON.stringify(response ?? null)}\n`);
  } catch (error) {
    // Lambda's shape for a function error.
    const e = error instanceof Error ? error : new Error(String(error));
    write(`${JSON.stringify({ errorType: e.name, errorMessage: e.message })}\n`);
    code = 1;
  } finally {
    await shutdown();
  }
  process.stderr.write(`invoke: done in ${Date.now() - started} ms\n`);
  return code;
};

if (isMain(import.meta.url)) runMain('invoke', USAGE, main);
