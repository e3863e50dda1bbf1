/**
 * What the function's process tells the soak, one JSON object per stdout line: that it is ready,
 * a sample every interval, and the event-loop delay of the whole run when it stops.
 */
import type { PollerBatching } from '../bench/e2e.js';
import type { Delay, Sample } from './sampler.js';

export type FunctionReport =
  | { readonly kind: 'ready' }
  | { readonly kind: 'sample'; readonly sample: Sample }
  | { readonly kind: 'overall'; readonly eventLoopDelay: Delay };

/** What the function's process runs, passed as JSON in {@link CONFIG_VARIABLE}. */
export interface FunctionConfig {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly groupId: string;
  readonly batching: PollerBatching;
  /** The handler's Lambda environment. */
  readonly handlerEnv: Readonly<Record<string, string>>;
  /** Where the handler is bundled. */
  readonly bundleDir: string;
  readonly sampleMs: number;
  /** A full GC after each sample, to read the live heap (the process runs with --expose-gc). */
  readonly liveHeap: boolean;
}

export const CONFIG_VARIABLE = 'SOAK_FUNCTION';

/**
 * The reports among a process's stdout lines (other lines are skipped).
 *
 * @example
 * readReports(['{"kind":"ready"}', 'a log line']); // [{ kind: 'ready' }]
 */
export const readReports = (lines: readonly string[]): FunctionReport[] =>
  lines.flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      const parsed = JSON.parse(line) as { kind?: unknown };
      return parsed.kind === 'ready' || parsed.kind === 'sample' || parsed.kind === 'overall'
        ? [parsed as FunctionReport]
        : [];
    } catch {
      return [];
    }
  });

/** The samples among the reports, in order. */
export const samplesOf = (reports: readonly FunctionReport[]): Sample[] =>
  reports.flatMap((r) => (r.kind === 'sample' ? [r.sample] : []));
