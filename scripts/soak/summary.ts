/**
 * A soak run's figures and verdict, from what was counted on the topics and sampled in the
 * function's process; and the chart of its samples.
 */
import type { Machine } from '../bench/machine.js';
import type { Chart } from './chart.js';
import { type Growth, growthOverLastHalf, MIN_SAMPLES } from './growth.js';
import type { Delay, Sample } from './sampler.js';
import type { Counts } from './tally.js';

/** Most RSS growth allowed over the second half of a run. */
export const MAX_RSS_GROWTH = 0.1;

export interface SoakSettings {
  readonly records: number;
  /** Records per second the producer feeds. */
  readonly rate: number;
  readonly model: 'instant' | 'mlserver';
  readonly coalesceMaxRecords: number;
  readonly modelConcurrency: number;
  readonly partitions: number;
  readonly batchSize: number;
  readonly windowMs: number;
  readonly sampleSeconds: number;
  /** A full GC after each sample to read the live heap (changes the RSS figures: for finding what grows). */
  readonly liveHeap: boolean;
  readonly maxMinutes: number;
}

/** The producer's side, read every sample interval: records fed, and answered on the topics. */
export interface Progress {
  readonly at: number;
  readonly fed: number;
  readonly answered: number;
}

/** What a run measured: times are ms since the epoch. */
export interface SoakRun {
  readonly settings: SoakSettings;
  readonly machine: Machine;
  readonly command: string;
  readonly topics: { readonly input: string; readonly output: string; readonly errors: string };
  readonly firstProduceAt: number;
  /** When the producer's last record was acknowledged. */
  readonly fedAt: number;
  /** When the last answer was read (or the run gave up). */
  readonly lastAnswerAt: number;
  /** Records produced and acknowledged. */
  readonly produced: number;
  readonly progress: readonly Progress[];
  /**
   * Why the run stopped waiting for answers: all came, the deadline (`--max-minutes`) passed, or the
   * function's process ended.
   */
  readonly endedBy: 'answered' | 'deadline' | 'function-exited';
  /** Records on the input topic, from its offsets (equal to `produced` unless the producer duplicated). */
  readonly inputTopicRecords: number;
  readonly counts: Counts;
  /**
   * Records of the input topic past the poller's committed offsets when the run ended (not read, or
   * not finished): a run that gave up early has its unanswered records there, not lost.
   */
  readonly pendingOnInput: number | undefined;
  readonly samples: readonly Sample[];
  /** Over the whole run; undefined if the function's process never reported it. */
  readonly eventLoopDelay: Delay | undefined;
  /** 1-minute load average at the end (other work on a shared machine shows here). */
  readonly loadAtEnd: number;
  /** CPU time of the soak's own process (producer and topic reader), to weigh against the function's. */
  readonly harnessCpuMs: number;
}

export const MEMORY_FIELDS = [
  'rss',
  'heapTotal',
  'heapUsed',
  'external',
  'arrayBuffers',
  'malloced',
] as const;

export interface SoakResult extends SoakRun {
  readonly wallSeconds: number;
  /** Records answered per second, first produce to last answer. */
  readonly recordsPerSecond: number;
  /** From the last record fed to the last answer: how far the function was behind the producer at the end. */
  readonly drainSeconds: number;
  /**
   * Most records fed and not yet answered at a progress reading. A function that keeps up holds about
   * a batch and its window's worth; a backlog holds records in the poller, and memory with them.
   */
  readonly maxBacklog: number;
  /** Share of the sampled time the function spent in invocations: near 1, it had no room for more. */
  readonly handlerBusy: number;
  /** CPU time of the function's process per record done (poller and handler together). */
  readonly cpuMsPerRecord: number;
  readonly rss: {
    readonly start: number;
    readonly mid?: number;
    readonly end: number;
    readonly growth?: number;
  };
  /** Growth over the second half of every memory figure and heap space (what grows, if one does). */
  readonly growth: Readonly<Record<string, Growth | undefined>>;
  /** Why the run failed; empty when it passed. */
  readonly failures: readonly string[];
}

const growthOf = (samples: readonly Sample[], value: (s: Sample) => number): Growth | undefined =>
  growthOverLastHalf(samples.map((s) => ({ t: s.at / 1000, value: value(s) })));

const busy = (samples: readonly Sample[]): number => {
  const [first, last] = [samples[0], samples.at(-1)];
  if (first === undefined || last === undefined || last.at === first.at) return Number.NaN;
  return (last.handlerMs - first.handlerMs) / (last.at - first.at);
};

const cpuPerRecord = (samples: readonly Sample[]): number => {
  const [first, last] = [samples[0], samples.at(-1)];
  const done = (last?.poller.recordsDone ?? 0) - (first?.poller.recordsDone ?? 0);
  return done > 0 ? (last!.cpuMs - first!.cpuMs) / done : Number.NaN;
};

const verdict = (run: SoakRun, rssGrowth: Growth | undefined): string[] => {
  const { counts, produced, settings } = run;
  const failures: string[] = [];
  if (produced < settings.records) failures.push(`only ${produced} of ${settings.records} records were fed`);
  if (run.inputTopicRecords !== produced)
    failures.push(`the input topic holds ${run.inputTopicRecords} records, ${produced} were produced`);
  const pending = run.pendingOnInput;
  if (run.endedBy !== 'answered') {
    const why =
      run.endedBy === 'deadline'
        ? `the run gave up at its deadline (--max-minutes ${settings.maxMinutes}): the function fell behind the producer`
        : "the function's process ended";
    failures.push(
      `${counts.lost} records not answered when ${why}; ${pending ?? 'an unknown number of'} records ` +
        "were past the poller's committed offsets",
    );
  }
  // Before the committed offsets every record was answered; an unanswered one not after them is lost.
  const lost = run.endedBy === 'answered' ? counts.lost : counts.lost - (pending ?? counts.lost);
  if (lost > 0) failures.push(`${lost} records lost (on neither the output nor the error topic)`);
  if (counts.onBoth > 0) failures.push(`${counts.onBoth} records on both the output and the error topic`);
  if (counts.strangers > 0) failures.push(`${counts.strangers} output or error records name no input record`);
  if (rssGrowth === undefined)
    failures.push(`${run.samples.length} samples: too few to judge memory (at least ${MIN_SAMPLES})`);
  else if (rssGrowth.growth > MAX_RSS_GROWTH)
    failures.push(
      `RSS grew ${(rssGrowth.growth * 100).toFixed(1)}% over the second half (at most ${MAX_RSS_GROWTH * 100}%)`,
    );
  return failures;
};

/**
 * @example
 * const result = summarize(run);
 * process.exitCode = result.failures.length === 0 ? 0 : 1;
 */
export const summarize = (run: SoakRun): SoakResult => {
  const { samples } = run;
  const rssGrowth = growthOf(samples, (s) => s.memory.rss);
  // Spaces this process never used (read-only, shared) have nothing to show.
  const spaces = Object.keys(samples[0]?.heapSpaces ?? {}).filter((space) =>
    samples.some((s) => (s.heapSpaces[space] ?? 0) > 0),
  );
  const growth = Object.fromEntries([
    ...MEMORY_FIELDS.map((f) => [f, growthOf(samples, (s) => s.memory[f])] as const),
    ...(run.settings.liveHeap ? [['heapLive', growthOf(samples, (s) => s.heapLive ?? 0)] as const] : []),
    ...spaces.map(
      (space) => [`heap space ${space}`, growthOf(samples, (s) => s.heapSpaces[space] ?? 0)] as const,
    ),
  ]);
  const wallMs = run.lastAnswerAt - run.firstProduceAt;
  return {
    ...run,
    wallSeconds: wallMs / 1000,
    recordsPerSecond: (run.counts.answered * 1000) / wallMs,
    drainSeconds: (run.lastAnswerAt - run.fedAt) / 1000,
    maxBacklog: Math.max(0, ...run.progress.map((p) => p.fed - p.answered)),
    handlerBusy: busy(samples),
    cpuMsPerRecord: cpuPerRecord(samples),
    rss: {
      start: samples[0]?.memory.rss ?? Number.NaN,
      end: samples.at(-1)?.memory.rss ?? Number.NaN,
      ...(rssGrowth === undefined ? {} : { mid: rssGrowth.mid, growth: rssGrowth.growth }),
    },
    growth,
    failures: verdict(run, rssGrowth),
  };
};

const MB = 2 ** 20;
const mb = (bytes: number | undefined): string =>
  bytes === undefined ? '—' : `${(bytes / MB).toFixed(1)} MB`;
const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const percent = (g: number | undefined, digits = 1): string =>
  g === undefined || Number.isNaN(g) ? '—' : `${(g * 100).toFixed(digits)}%`;

/**
 * The line printed every sample interval during a run.
 *
 * @example
 * progressLine({ at, fed: 15_000, answered: 14_200 }, samples);
 * // '15,000 fed, 14,200 answered; RSS 160.2 MB, heap used 48.0 MB, event-loop delay p99 21.0 ms, handler busy 42%'
 */
export const progressLine = (p: Progress, samples: readonly Sample[]): string => {
  const [last, previous] = [samples.at(-1), samples.at(-2)];
  const counts = `${int(p.fed)} fed, ${int(p.answered)} answered`;
  if (last === undefined) return counts;
  const busyNow = previous === undefined ? '' : `, handler busy ${percent(busy([previous, last]), 0)}`;
  return (
    `${counts}; RSS ${mb(last.memory.rss)}, heap used ${mb(last.memory.heapUsed)}, ` +
    `event-loop delay p99 ${last.eventLoopDelay.p99.toFixed(1)} ms${busyNow}`
  );
};

/** The lines printed at the end of a run. */
export const renderText = (r: SoakResult): string[] => {
  const c = r.counts;
  const d = r.eventLoopDelay;
  const grown = Object.entries(r.growth)
    .filter(([, g]) => g !== undefined)
    .map(([name, g]) => `${name} ${percent(g!.growth)} (${mb(g!.mid)} → ${mb(g!.end)})`);
  return [
    `${int(c.in)} records fed at ${int(r.settings.rate)}/s (${r.settings.model}, COALESCE_MAX_RECORDS ` +
      `${r.settings.coalesceMaxRecords}): ${r.wallSeconds.toFixed(0)} s, ${int(r.recordsPerSecond)} records/s, ` +
      `last answer ${r.drainSeconds.toFixed(1)} s after the last record fed; at most ${int(r.maxBacklog)} ` +
      `records fed and not yet answered; the handler busy ${percent(r.handlerBusy)} of the time, ` +
      `${r.cpuMsPerRecord.toFixed(3)} ms of CPU per record (the producer and reader: ` +
      `${(r.harnessCpuMs / c.in).toFixed(3)} ms); load average ${r.machine.loadAtStart} at start, ${r.loadAtEnd} at end`,
    `in ${int(c.in)} = out ${int(c.out)} + errors ${int(c.errors)} + ` +
      (r.endedBy === 'answered'
        ? `lost ${int(c.lost)}; `
        : `not answered ${int(c.lost)} (${r.pendingOnInput === undefined ? '?' : int(r.pendingOnInput)} past the committed offsets); `) +
      `${int(c.duplicates)} duplicates, ${int(c.onBoth)} on both topics, ${int(c.strangers)} strangers`,
    `RSS start ${mb(r.rss.start)}, mid ${mb(r.rss.mid)}, end ${mb(r.rss.end)}: ${percent(r.rss.growth)} over the second half`,
    `event-loop delay over the run: p50 ${d?.p50.toFixed(1) ?? '—'} ms, p99 ${d?.p99.toFixed(1) ?? '—'} ms, ` +
      `max ${d?.max.toFixed(1) ?? '—'} ms`,
    `growth over the second half: ${grown.join(', ')}`,
    r.failures.length === 0 ? 'PASSED' : `FAILED: ${r.failures.join('; ')}`,
  ];
};

/** Memory, event-loop delay and throughput against time, with half-way marked. */
export const soakChart = (r: SoakResult): Chart => {
  // One time axis for the function's samples and the producer's readings, from the earlier of them.
  const t0 = Math.min(r.firstProduceAt, r.samples[0]?.at ?? Number.POSITIVE_INFINITY);
  const x = (at: number): number => (at - t0) / 1000;
  const line = (name: string, value: (s: Sample) => number) => ({
    name,
    points: r.samples.map((s) => [x(s.at), value(s)] as const),
  });
  const ratePoints = (count: (p: Progress) => number) =>
    r.progress.slice(1).map((p, i) => {
      const previous = r.progress[i]!;
      return [x(p.at), ((count(p) - count(previous)) * 1000) / (p.at - previous.at)] as const;
    });
  const [first, last] = [r.samples[0], r.samples.at(-1)];
  const half = first === undefined || last === undefined ? 0 : (x(first.at) + x(last.at)) / 2;
  return {
    title: `Soak: ${int(r.counts.in)} records at ${int(r.settings.rate)}/s, ${r.settings.model} model (${r.machine.date.slice(0, 10)})`,
    xLabel: `seconds (a sample every ${r.settings.sampleSeconds} s)`,
    markers: [{ x: half, label: `half-way: RSS ${percent(r.rss.growth)} to the end` }],
    panels: [
      {
        title: 'memory of the function process (MB)',
        series: [
          line('RSS', (s) => s.memory.rss / MB),
          line('heap total', (s) => s.memory.heapTotal / MB),
          line('heap used', (s) => s.memory.heapUsed / MB),
          ...(r.settings.liveHeap ? [line('heap live', (s) => (s.heapLive ?? Number.NaN) / MB)] : []),
        ],
      },
      {
        title: 'event-loop delay per interval (ms)',
        series: [line('p50', (s) => s.eventLoopDelay.p50), line('p99', (s) => s.eventLoopDelay.p99)],
      },
      {
        title: 'records per second',
        series: [
          { name: 'fed', points: ratePoints((p) => p.fed) },
          { name: 'answered', points: ratePoints((p) => p.answered) },
        ],
      },
      {
        title: 'records fed and not yet answered',
        series: [
          {
            name: 'backlog',
            points: r.progress.map((p) => [x(p.at), p.fed - p.answered] as const),
          },
        ],
      },
    ],
  };
};
