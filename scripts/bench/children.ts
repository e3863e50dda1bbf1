/** Child processes the bench starts (model servers, cold starts), each ended by its own pid. */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Each running child, and whether it leads its own process group (then the group is signalled). */
const running = new Map<ChildProcess, boolean>();

const signal = (child: ChildProcess, group: boolean, name: NodeJS.Signals): void => {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(group ? -child.pid : child.pid, name);
  } catch {
    // already gone
  }
};

/** Ends every child this bench started that is still running: on exit, on Ctrl-C, on failure. */
export const killChildren = (): void => {
  for (const [child, group] of running) signal(child, group, 'SIGTERM');
};

export interface StartedChild {
  readonly child: ChildProcess;
  /** The first stdout line that parses as a JSON object. */
  readonly ready: Promise<Record<string, unknown>>;
  /** Everything the child wrote to stdout, as lines (kept for error messages). */
  readonly lines: readonly string[];
  /** The next stdout line (from now on) that `matches`; rejects if the child exits first. */
  nextLine(matches: (line: string) => boolean): Promise<string>;
  /** SIGTERM (to the group when detached), then SIGKILL after `graceMs`; resolves on exit. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts a TypeScript module of the bench in a child node with this process's loader (tsx). Its stdin
 * is a pipe from this process, so that it can end itself when this process is gone.
 */
export const startTsChild = (file: URL, env: NodeJS.ProcessEnv = process.env): StartedChild =>
  track(
    spawn(process.execPath, [...process.execArgv, file.pathname], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
    false,
  );

/** Keeps a spawned child so that it is ended with the bench; reads its stdout when piped. */
export const track = (child: ChildProcess, group: boolean): StartedChild => {
  running.set(child, group);
  const lines: string[] = [];
  const waiting = new Set<(line: string | undefined) => void>();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    running.delete(child);
    for (const w of waiting) w(undefined);
  });
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    if (child.stdout === null) return;
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      for (const w of waiting) w(line);
      if (!line.startsWith('{')) return;
      try {
        resolve(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a log line, not the one waited for
      }
    });
    child.once('exit', (code, sig) =>
      reject(new Error(`child ${child.pid} exited (${code ?? sig}): ${lines.slice(-5).join(' | ')}`)),
    );
  });
  ready.catch(() => undefined);
  return {
    child,
    ready,
    lines,
    nextLine(matches) {
      return new Promise((resolve, reject) => {
        const waiter = (line: string | undefined): void => {
          if (line === undefined) {
            waiting.delete(waiter);
            reject(new Error(`child ${child.pid} exited: ${lines.slice(-5).join(' | ')}`));
          } else if (matches(line)) {
            waiting.delete(waiter);
            resolve(line);
          }
        };
        if (child.exitCode !== null || child.signalCode !== null) waiter(undefined);
        else waiting.add(waiter);
      });
    },
    async stop(graceMs = 5_000) {
      signal(child, group, 'SIGTERM');
      const timer = setTimeout(() => signal(child, group, 'SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
};
