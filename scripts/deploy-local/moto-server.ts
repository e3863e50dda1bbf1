/**
 * moto's server with our extensions (scripts/deploy-local/moto_server.py), as a child process group
 * that `stop()` always ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

export interface MotoServer {
  readonly port: number;
  readonly pid: number;
  /** TERM to the process group, KILL after 10 s; resolves once it is gone. Safe to call twice. */
  stop(): Promise<void>;
}

const portAnswers = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

const alive = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

const signalGroup = (pid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
};

/**
 * Starts moto on 127.0.0.1:`port` with `python` (the venv's) and waits until it answers.
 *
 * @param logFile where moto's output goes
 * @example
 * const moto = await startMoto('.cache/venvs/moto/bin/python', 5055, '.cache/deploy-local/moto.log');
 * try { ... } finally { await moto.stop(); }
 */
export const startMoto = async (python: string, port: number, logFile: string): Promise<MotoServer> => {
  if (await portAnswers(port)) {
    throw new Error(
      `deploy-local: port ${port} on 127.0.0.1 is already taken; set DEPLOY_LOCAL_PORT to a free port`,
    );
  }
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  // detached: its own process group, so stop() ends Werkzeug's threads and any child with it.
  const child = spawn(python, [join(HERE, 'moto_server.py'), '-H', '127.0.0.1', '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`deploy-local: could not start ${python}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const stop = async (): Promise<void> => {
    if (alive(child)) {
      signalGroup(pid, 'SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), sleep(STOP_GRACE_MS).then(() => true)]);
      if (timedOut) signalGroup(pid, 'SIGKILL');
      await exited;
    }
    log.end();
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await portAnswers(port))) {
    if (!alive(child) || Date.now() > deadline) {
      await stop();
      throw new Error(`deploy-local: moto did not start on port ${port}; see ${logFile}`);
    }
    await sleep(200);
  }
  return { port, pid, stop };
};
