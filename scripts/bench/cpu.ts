/**
 * CPU time of processes (Linux /proc), to say where a run's CPU went: the model server's, or this
 * process's (poller, handler, consumers and producer share it).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const CLOCK_TICKS_PER_S = 100;

/** The pid of the process listening on a local TCP port, from `ss`; undefined when unknown. */
export const pidListeningOn = (port: number): number | undefined => {
  try {
    const out = execFileSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
    const match = /pid=(\d+)/.exec(out);
    return match === null ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
};

/** User + system CPU ms a process has used so far; undefined when it cannot be read. */
export const cpuMsOf = (pid: number | undefined): number | undefined => {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return undefined;
  }
};

export const selfCpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** CPU ms per record of timed runs, per process, collected by `measure`. */
export class CpuLedger {
  readonly #runs = new Map<string, { model: number[]; self: number[] }>();

  constructor(readonly modelPid: number | undefined) {}

  /** Runs `run` (which handles `records` records) and books the CPU it took, per record. */
  async measure<T>(variant: string, records: number, keep: boolean, run: () => Promise<T>): Promise<T> {
    const model0 = cpuMsOf(this.modelPid);
    const self0 = selfCpuMs();
    const result = await run();
    const model1 = cpuMsOf(this.modelPid);
    if (keep) {
      const entry = this.#runs.get(variant) ?? { model: [], self: [] };
      if (model0 !== undefined && model1 !== undefined) entry.model.push((model1 - model0) / records);
      entry.self.push((selfCpuMs() - self0) / records);
      this.#runs.set(variant, entry);
    }
    return result;
  }

  /** Median CPU ms per record of a variant: the model server's and this process's. */
  perRecord(variant: string): { model?: number; self?: number } {
    const entry = this.#runs.get(variant);
    const med = (v: number[]): number | undefined => {
      if (v.length === 0) return undefined;
      const s = [...v].sort((a, b) => a - b);
      return s[Math.floor(s.length / 2)];
    };
    const model = entry === undefined ? undefined : med(entry.model);
    const self = entry === undefined ? undefined : med(entry.self);
    return { ...(model === undefined ? {} : { model }), ...(self === undefined ? {} : { self }) };
  }
}
