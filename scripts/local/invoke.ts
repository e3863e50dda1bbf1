/**
 * Runs the handler once on an event file and prints its response, as `sam local invoke` would,
 * without Docker: `npm run invoke events/v2-rest-msk.json`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { integerFlag, isMain, runMain, UsageError } from './cli.js';
import { DEFAULT_TIMEOUT_MS, invoke } from './context.js';
import { type Env, parseAssignments, readEnvFile } from './env-file.js';
import { loadHandler } from './handler.js';

const USAGE = `Usage: npm run invoke <event-file> [-- options]
       npm run invoke -- --event <event-file> [options]

Runs the stream handler once on a Lambda Kafka event and prints the response (the partial batch
response) on stdout; the handler's logs go to stderr.

Options:
  --event <file>          the event, if not given as the argument (e.g. one of events/*.json;
                          make more with npm run event)
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

/** The command line of `npm run invoke`, the event file taken from `--event` or the one argument. */
export interface InvokeArgs {
  readonly event: string;
  /** `--env-file`, or `--env-vars` as sam local invoke names it. */
  readonly envFile?: string;
  readonly functionId?: string;
  readonly env: readonly string[];
  readonly timeoutMs?: string;
  readonly handler?: string;
}

/**
 * Reads invoke's command line. The event file may be the one positional argument, so that
 * `npm run invoke events/x.json` works without npm's `--` separator, or `--event` as before.
 *
 * @returns `'help'` for `--help`, else the arguments
 * @throws UsageError without an event file, with two of them, or with a stray argument
 * @example
 * parseInvokeArgs(['events/v2-rest-msk.json']); // { event: 'events/v2-rest-msk.json', env: [] }
 * parseInvokeArgs(['--event', 'events/v2-rest-msk.json']); // the same
 */
export const parseInvokeArgs = (args: readonly string[]): InvokeArgs | 'help' => {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
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
  if (values.help) return 'help';
  if (positionals.length > 1) throw new UsageError(`one event file, not ${positionals.join(' ')}`);
  const [positional] = positionals;
  if (positional !== undefined && values.event !== undefined) {
    throw new UsageError(`one event file: --event ${values.event} or ${positional}, not both`);
  }
  const event = values.event ?? positional;
  if (event === undefined) throw new UsageError('an event file is required: npm run invoke <event-file>');
  return {
    event,
    envFile: values['env-file'] ?? values['env-vars'],
    functionId: values['function-id'],
    env: values.env,
    timeoutMs: values['timeout-ms'],
    handler: values.handler,
  };
};

const main = async (): Promise<number> => {
  const args = parseInvokeArgs(process.argv.slice(2));
  if (args === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  let event: unknown;
  try {
    event = JSON.parse(readFileSync(args.event, 'utf8'));
  } catch (cause) {
    throw new UsageError(`${args.event}: ${(cause as Error).message}`);
  }
  const envFile = args.envFile ?? sampleEnvFile(args.event);
  if (envFile !== undefined && args.envFile === undefined) {
    process.stderr.write(`invoke: environment from ${envFile}\n`);
  }
  let env: Env;
  try {
    env = {
      ...(envFile === undefined ? {} : readEnvFile(envFile, args.functionId)),
      ...parseAssignments(args.env),
    };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const timeoutMs = integerFlag('timeout-ms', args.timeoutMs, 1) ?? DEFAULT_TIMEOUT_MS;

  // As with sam local invoke, stdout carries only the response: the handler's logs go to stderr.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

  const started = Date.now();
  const { handler, shutdown } = await loadHandler(
    env,
    ...(args.handler === undefined ? [] : [resolve(args.handler)]),
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
