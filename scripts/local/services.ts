/**
 * Makes sure the local broker and a model server answer before a demo: when one does not, runs
 * `scripts/services.sh up --no-tools` (idempotent; minutes on a fresh clone, seconds later) and
 * checks again.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { isListening } from './local-services.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ServiceCheck {
  readonly name: string;
  /** `host:port` or a URL with a port. */
  readonly address: string;
}

const down = async (checks: readonly ServiceCheck[]): Promise<ServiceCheck[]> => {
  const answers = await Promise.all(checks.map((c) => isListening(c.address)));
  return checks.filter((_, i) => !answers[i]);
};

const run = (command: string, args: readonly string[]): Promise<void> =>
  new Promise((resolve, reject) => {
    // The scripts' own progress goes to our stderr, so that stdout stays the demo's.
    const child = spawn(command, args, { cwd: ROOT, stdio: ['ignore', process.stderr, process.stderr] });
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`'${command} ${args.join(' ')}' failed (${signal ?? `exit ${code}`})`)),
    );
  });

/**
 * `bash scripts/services.sh up --no-tools`, its progress (a line per download, venv and server) on
 * stderr: the broker and the model servers, not the venvs of cfn-lint and moto, which only tests use.
 */
export const servicesUp = (): Promise<void> => run('bash', ['scripts/services.sh', 'up', '--no-tools']);

/**
 * @param say where to tell the user what is happening
 * @param start what starts the services (tests pass a fake)
 * @returns true when services had to be started
 * @example
 * await ensureServices([{ name: 'Kafka', address: '127.0.0.1:9092' }], console.log);
 */
export const ensureServices = async (
  checks: readonly ServiceCheck[],
  say: (line: string) => void,
  start: () => Promise<void> = servicesUp,
): Promise<boolean> => {
  const missing = await down(checks);
  if (missing.length === 0) return false;
  say(
    `${missing.map((c) => `${c.name} (${c.address})`).join(' and ')} not answering: starting the local ` +
      'services with `bash scripts/services.sh up --no-tools`.',
  );
  say(
    'The first run downloads Apache Kafka (Maven Central) and the model servers (PyPI) and trains the iris ' +
      'model: several minutes. Later runs reuse .cache/ and take seconds. Stop them with `npm run services:down`.',
  );
  const started = Date.now();
  await start();
  const still = await down(checks);
  if (still.length > 0) {
    throw new Error(
      `${still.map((c) => `${c.name} (${c.address})`).join(' and ')} still not answering after services.sh up; ` +
        'see .cache/run/*.log and `bash scripts/services.sh status`',
    );
  }
  say(`Local services up in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  return true;
};
