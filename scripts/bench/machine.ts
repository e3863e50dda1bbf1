/** The machine a bench ran on, as BENCHMARKS.md records it next to the figures. */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  /** `nproc`: CPUs this process may use. */
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly platform: string;
  /** 1-minute load average when the bench started (other work on a shared machine shows here). */
  readonly loadAtStart: number;
  readonly date: string;
}

const cpuModel = (): string => {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line !== undefined) return line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // not Linux: fall back to what os.cpus() reports
  }
  return cpus()[0]?.model ?? 'unknown';
};

export const describeMachine = (): Machine => ({
  nproc: availableParallelism(),
  cpuModel: cpuModel(),
  memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  loadAtStart: Math.round(loadavg()[0]! * 100) / 100,
  date: new Date().toISOString(),
});
