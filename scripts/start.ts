/**
 * `npm start`: streams a Kafka topic through the stream handler locally, as Lambda's event source
 * mapping would (scripts/local/poller.ts).
 *
 * With no configuration it runs a demo on the local services: `npm start [-- --protocol seldon
 * --transport grpc]`. With `--env-file`/`--env` (or KAFKA_INPUT_TOPIC in the environment) it polls
 * the configured input topic until Ctrl-C.
 */

import { parseArgs } from 'node:util';
import type { Protocol, Transport } from '../functions/stream-inference/config.js';
import { PROTOCOLS } from '../functions/stream-inference/contract.js';
import { integerFlag, oneOfFlag, runMain, UsageError } from './local/cli.js';
import { DEFAULT_TIMEOUT_MS } from './local/context.js';
import { prepareDemo, runDemo, SERVER_NAMES } from './local/demo.js';
import { type Env, parseAssignments, readEnvFile } from './local/env-file.js';
import { EVENT_SHAPES } from './local/event.js';
import { loadHandler } from './local/handler.js';
import { LOCAL_BROKER, localHandlerEnv } from './local/local-services.js';
import { Poller } from './local/poller.js';

const USAGE = `Usage: npm start [-- options]

Runs the stream handler on a Kafka topic the way Lambda's event source mapping would: batches of
records (batch size, batching window, grouped by partition), offsets committed only for records the
handler finished (partial batch response), redelivery from the first failure. Ctrl-C stops cleanly.

Demo (no configuration): starts the local services if needed, creates demo-<protocol>-<transport>-*
topics, sends sample iris requests, prints each prediction, and exits once all are answered.
  --protocol <p>        v2 | kfserving | seldon | tensorflow (default: v2, on MLServer)
  --transport <t>       rest | grpc (default: rest)
  --count <n>           requests to send (default: 6)
  --follow              keep running after the demo's answers
  --wait-s <n>          give up on the answers after n seconds (default: 120)

Your own topic (configuration given): polls KAFKA_INPUT_TOPIC until Ctrl-C.
  --env-file <file>     the function's environment, sam local invoke --env-vars format
  --function-id <id>    which entry of the env file
  --env <NAME=value>    one more variable (repeatable)

Both:
  --group <id>          consumer group (default: msk-inference-local-<input topic>)
  --batch-size <n>      records per invocation (default: 100)
  --window-ms <n>       maximum batching window (default: 500)
  --timeout-ms <n>      function timeout (default: ${DEFAULT_TIMEOUT_MS})
  --shape <s>           ${EVENT_SHAPES.join(' | ')} event (default: msk)
  --latest              a new group starts at the end of the topic (default: the beginning)
  --progress-s <n>      progress line every n seconds (default: 10; 0 for none)
`;

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

const main = async (): Promise<number> => {
  const { values } = parseArgs({
    options: {
      protocol: { type: 'string' },
      transport: { type: 'string' },
      count: { type: 'string' },
      follow: { type: 'boolean', default: false },
      'wait-s': { type: 'string' },
      'env-file': { type: 'string' },
      'function-id': { type: 'string' },
      env: { type: 'string', multiple: true, default: [] },
      group: { type: 'string' },
      'batch-size': { type: 'string' },
      'window-ms': { type: 'string' },
      'timeout-ms': { type: 'string' },
      shape: { type: 'string' },
      latest: { type: 'boolean', default: false },
      'progress-s': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const protocolFlag = oneOfFlag('protocol', values.protocol, PROTOCOLS);
  const protocol: Protocol = protocolFlag === 'kfserving' ? 'v2' : (protocolFlag ?? 'v2');
  const transport: Transport = oneOfFlag('transport', values.transport, ['rest', 'grpc'] as const) ?? 'rest';
  const batchSize = integerFlag('batch-size', values['batch-size'], 1);
  const windowMs = integerFlag('window-ms', values['window-ms'], 0);
  const progressS = integerFlag('progress-s', values['progress-s'], 0) ?? 10;

  let userEnv: Env;
  try {
    userEnv = {
      ...(values['env-file'] === undefined ? {} : readEnvFile(values['env-file'], values['function-id'])),
      ...parseAssignments(values.env),
    };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const configured = Object.keys(userEnv).length > 0 || process.env['KAFKA_INPUT_TOPIC'] !== undefined;
  const started = Date.now();

  let env: Env;
  let demo: Awaited<ReturnType<typeof prepareDemo>> | undefined;
  if (configured) {
    env = userEnv;
  } else {
    say(
      `msk-inference local demo: ${protocol} over ${transport}, model 'iris' on the local ${SERVER_NAMES[protocol]}`,
    );
    demo = await prepareDemo(protocol, transport, say);
    env = localHandlerEnv(protocol, transport, demo.topics);
  }
  const setting = (name: string): string | undefined => env[name] ?? process.env[name];
  const topic = setting('KAFKA_INPUT_TOPIC');
  if (topic === undefined)
    throw new UsageError('KAFKA_INPUT_TOPIC is not set: the poller needs the topic to read');
  const brokers = (setting('KAFKA_BROKER') ?? LOCAL_BROKER).split(',').map((b) => b.trim());

  // The handler reads its configuration when first imported: a bad value fails here, with its name.
  const { handler, shutdown } = await loadHandler(env);
  const poller = new Poller({
    brokers,
    topic,
    groupId: values.group ?? `msk-inference-local-${topic}`,
    handler,
    shape: oneOfFlag('shape', values.shape, EVENT_SHAPES) ?? 'msk',
    batching: {
      ...(batchSize === undefined ? {} : { batchSize }),
      ...(windowMs === undefined ? {} : { windowMs }),
    },
    function: { timeoutMs: integerFlag('timeout-ms', values['timeout-ms'], 1) ?? DEFAULT_TIMEOUT_MS },
    startingPosition: values.latest ? 'LATEST' : 'TRIM_HORIZON',
    progressIntervalMs: progressS === 0 ? false : progressS * 1000,
    onStop: shutdown,
  });

  // Ctrl-C: finish the running invocation, commit, leave the group. A second Ctrl-C does not wait.
  let signalled = 0;
  let stopRequested!: () => void;
  const stopped = new Promise<void>((resolve) => {
    stopRequested = resolve;
  });
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signalled > 1) process.exit(130);
    process.stderr.write(`\n${signal}: stopping (waiting for the running invocation, then committing)...\n`);
    stopRequested();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  await poller.start();
  let code = 0;
  try {
    if (demo === undefined) {
      say(
        `Polling ${topic} on ${brokers.join(',')} (group ${values.group ?? `msk-inference-local-${topic}`}). Ctrl-C to stop.`,
      );
      await Promise.race([stopped, poller.done]);
    } else {
      code = await runDemo(
        {
          protocol,
          transport,
          ...demo,
          poller,
          count: integerFlag('count', values.count, 1) ?? 6,
          follow: values.follow,
          waitMs: (integerFlag('wait-s', values['wait-s'], 1) ?? 120) * 1000,
          say,
        },
        Promise.race([stopped, poller.done]),
      );
    }
  } finally {
    await poller.stop();
  }
  await poller.done.catch((error: unknown) => {
    say(`The poller stopped on an error: ${(error as Error).message}`);
    code = 1;
  });
  const s = poller.stats;
  say(
    `Stopped after ${((Date.now() - started) / 1000).toFixed(1)} s: ${s.recordsDone} records done, ` +
      `${s.redelivered} redelivered, ${s.errors} failed invocations; offsets committed.`,
  );
  return code;
};

// kafkajs and undici may keep sockets in their pools for a while; once stopped, the work is committed.
runMain('start', USAGE, main, { exit: true });
