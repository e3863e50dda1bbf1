/**
 * Takes the local services away and brings them back, through their own scripts
 * (`scripts/services/kafka.sh`, `scripts/services/models.sh`), for the fault tests.
 *
 * A test that stops a service must bring it back even when it fails: call the matching start in
 * `afterAll` or `finally` (starting is idempotent: a running service is reused).
 *
 * ```ts
 * await stopModelServer('mlserver', { kill: true });
 * const back = startModelServer('mlserver'); // resolves once it answers the truth rows again
 * ```
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ModelServerName } from './models.js';
import { repoRoot } from './models.js';

/** Runs a script from the repository root; resolves with its output, rejects on a non-zero exit. */
export const runScript = (script: string, args: readonly string[]): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => {
      output += b.toString();
    });
    child.stderr.on('data', (b: Buffer) => {
      output += b.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0
        ? resolve(output.trim())
        : reject(new Error(`bash ${script} ${args.join(' ')}: exit ${code}\n${output}`)),
    );
  });

/** Stops one model server; `kill` sends SIGKILL to its process group at once, like a crash. */
export const stopModelServer = (name: ModelServerName, options: { kill?: boolean } = {}): Promise<string> =>
  runScript('scripts/services/models.sh', ['stop', name, ...(options.kill ? ['--kill'] : [])]);

/** Starts one model server (reused when it answers) and waits until it answers the truth rows. */
export const startModelServer = (name: ModelServerName): Promise<string> =>
  runScript('scripts/services/models.sh', ['start', name]);

/** Stops the broker (SIGTERM: a controlled shutdown). */
export const stopBroker = (): Promise<string> => runScript('scripts/services/kafka.sh', ['down']);

/** Starts the broker (reused when it answers) and waits until it serves requests. */
export const startBroker = (): Promise<string> => runScript('scripts/services/kafka.sh', ['up']);

/** The broker's pid, when `kafka.sh` started it. */
export const brokerPid = (): number => {
  const pid = Number(readFileSync(`${repoRoot}.cache/kafka/kafka.pid`, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error('no broker pid in .cache/kafka/kafka.pid');
  return pid;
};

/**
 * Freezes (SIGSTOP) or thaws (SIGCONT) the broker: it keeps its sockets open and answers nothing,
 * like a broker in a long GC pause or behind a network partition.
 */
export const pauseBroker = (pid: number): void => {
  process.kill(pid, 'SIGSTOP');
};
export const resumeBroker = (pid: number): void => {
  process.kill(pid, 'SIGCONT');
};
