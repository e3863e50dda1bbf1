/**
 * A single-node KRaft broker of the test's own, for tests that freeze, stop or kill a broker: the
 * shared one on 127.0.0.1:9092 serves other runs at the same time. It runs the jars that
 * `scripts/services/kafka.sh` fetched (the integration project's global setup runs it first) with the
 * same `server.properties`, on two free loopback ports, a small heap and a data dir of its own under
 * `.cache/kafka-private/`, removed by `stop()` (or by the next start, if its test process was killed).
 *
 * ```ts
 * const broker = await startPrivateBroker('exactly-once');
 * await useBrokers(broker.brokers); // the Kafka helpers now talk to it
 * broker.freeze(); // SIGSTOP: sockets stay open, nothing is answered
 * broker.thaw();
 * await broker.stop();
 * ```
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { repoRoot } from './models.js';

export interface PrivateBroker {
  /** Bootstrap list: `127.0.0.1:<port>`. */
  readonly brokers: readonly string[];
  readonly pid: number;
  /** SIGSTOP: the broker keeps its sockets and answers nothing (a long GC pause, a partition). */
  freeze(): void;
  /** SIGCONT: it handles what it was sent meanwhile. */
  thaw(): void;
  /** Thaws, stops (SIGTERM, SIGKILL after 20 s) and removes the data dir; safe to call twice. */
  stop(): Promise<void>;
}

const lib = `${repoRoot}.cache/kafka/lib`;
const conf = `${repoRoot}scripts/services/kafka`;
const HEAP = '-Xms128m -Xmx384m';
const READY_WITHIN_MS = 120_000;

const run = promisify(execFile);

/** Where each broker gets its dir, named `<name>-<pid of the test process>-<random>`. */
const root = `${repoRoot}.cache/kafka-private`;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Dirs of test processes that were killed before their `stop()`, whose brokers died with them. */
const removeOrphans = (): void => {
  if (!existsSync(root)) return;
  for (const dir of readdirSync(root)) {
    const pid = Number(/-(\d+)-[0-9a-f]{6}$/.exec(dir)?.[1]);
    if (Number.isInteger(pid) && !alive(pid)) rmSync(`${root}/${dir}`, { recursive: true, force: true });
  }
};

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether the broker serves a metadata request (as `kafka.sh` checks the shared one). */
const answers = async (broker: string): Promise<boolean> => {
  const admin = new Kafka({
    clientId: 'private-broker',
    brokers: [broker],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    await admin.listTopics();
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
};

/**
 * A cluster id as `kafka-storage random-uuid` prints it (a UUID in unpadded base64url), without a JVM
 * start for it; like Kafka's `Uuid.randomUuid`, never one that starts with '-' (a command-line flag).
 */
const clusterId = (): string => {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
};

const javaArgs = (logs: string): string[] => [
  `-Dlog4j2.configurationFile=${conf}/log4j2.xml`,
  `-Dkafka.logs.dir=${logs}`,
  '-cp',
  `${lib}/*`,
];

/**
 * Formats a fresh log dir and starts the broker; resolves once it serves requests. `name` tags the
 * data dir, to find its log after a failure.
 *
 * @example
 * const broker = await startPrivateBroker('freeze');
 */
export const startPrivateBroker = async (name: string): Promise<PrivateBroker> => {
  if (!existsSync(lib)) {
    throw new Error(`no Kafka jars in ${lib}: run 'bash scripts/services/kafka.sh up' once to fetch them`);
  }
  removeOrphans();
  const [port, controllerPort] = [await freePort(), await freePort()];
  const dir = `${root}/${name}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const [data, logs] = [`${dir}/data`, `${dir}/logs`];
  mkdirSync(data, { recursive: true });
  mkdirSync(logs, { recursive: true });
  const props = readFileSync(`${conf}/server.properties`, 'utf8')
    .replaceAll('@DATA_DIR@', data)
    .replaceAll('127.0.0.1:9092', `127.0.0.1:${port}`)
    .replaceAll('127.0.0.1:9093', `127.0.0.1:${controllerPort}`);
  writeFileSync(`${dir}/server.properties`, props);

  await run('java', [
    '-Xmx128m',
    ...javaArgs(logs),
    'kafka.tools.StorageTool',
    'format',
    '-t',
    clusterId(),
    '-c',
    `${dir}/server.properties`,
  ]);

  const child: ChildProcess = spawn(
    'java',
    [...HEAP.split(' '), '-XX:+UseG1GC', ...javaArgs(logs), 'kafka.Kafka', `${dir}/server.properties`],
    { stdio: 'ignore' },
  );
  const pid = child.pid!;
  let exited = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void gone.then(() => {
    exited = true;
  });
  // A test run that dies must not leave a broker behind (frozen, it would hold its ports for good).
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (!exited) {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      await Promise.race([gone, sleep(20_000)]);
      if (!exited) child.kill('SIGKILL');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const broker = `127.0.0.1:${port}`;
  const deadline = Date.now() + READY_WITHIN_MS;
  while (!(await answers(broker))) {
    if (exited || Date.now() > deadline) {
      const log = existsSync(`${logs}/server.log`)
        ? readFileSync(`${logs}/server.log`, 'utf8').split('\n').slice(-40).join('\n')
        : '(no server.log)';
      await stop();
      throw new Error(`private broker ${name} did not start (exited: ${exited}); its log ends:\n${log}`);
    }
    await sleep(500);
  }
  return {
    brokers: [broker],
    pid,
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
    stop,
  };
};
