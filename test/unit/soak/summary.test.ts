/** A soak's verdict: nothing lost, one fate per record, RSS growth over the second half within 10%. */
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../../scripts/bench/machine.js';
import { readReports, samplesOf } from '../../../scripts/soak/reports.js';
import type { Sample } from '../../../scripts/soak/sampler.js';
import {
  progressLine,
  renderText,
  type SoakRun,
  soakChart,
  summarize,
} from '../../../scripts/soak/summary.js';
import type { Counts } from '../../../scripts/soak/tally.js';

const MB = 2 ** 20;
const T0 = Date.UTC(2026, 11, 2);

const sample = (i: number, rssMb: number): Sample => ({
  at: T0 + i * 10_000,
  memory: {
    rss: rssMb * MB,
    heapTotal: 60 * MB,
    heapUsed: 40 * MB,
    external: 5 * MB,
    arrayBuffers: 2 * MB,
    malloced: MB,
  },
  heapSpaces: { old_space: 30 * MB, read_only_space: 0 },
  detachedContexts: 0,
  activeResources: 12,
  eventLoopDelay: { p50: 10, p99: 20 + i, max: 40 },
  poller: { invocations: i, recordsIn: i * 15_000, recordsDone: i * 15_000, redelivered: 0, errors: 0 },
  handlerMs: i * 5_000,
  cpuMs: 1_000 + i * 3_000,
});

const machine: Machine = {
  nproc: 2,
  cpuModel: 'test',
  memoryGiB: 1,
  node: 'v20',
  platform: 'linux x64',
  loadAtStart: 1,
  date: new Date(T0).toISOString(),
};

const counts = (over: Partial<Counts> = {}): Counts => ({
  in: 150_000,
  out: 150_000,
  errors: 0,
  answered: 150_000,
  lost: 0,
  onBoth: 0,
  duplicates: 0,
  strangers: 0,
  ...over,
});

const run = (rssMb: readonly number[], over: Partial<SoakRun> = {}): SoakRun => ({
  settings: {
    records: 150_000,
    rate: 1_500,
    model: 'instant',
    coalesceMaxRecords: 1,
    modelConcurrency: 16,
    partitions: 4,
    batchSize: 1_000,
    windowMs: 500,
    sampleSeconds: 10,
    maxMinutes: 15,
    liveHeap: false,
  },
  machine,
  command: 'npm run soak',
  topics: { input: 'in', output: 'out', errors: 'errors' },
  firstProduceAt: T0,
  fedAt: T0 + 100_000,
  lastAnswerAt: T0 + 100_000,
  produced: 150_000,
  endedBy: 'answered',
  progress: Array.from({ length: 11 }, (_, i) => ({
    at: T0 + i * 10_000,
    fed: Math.min(150_000, i * 15_000),
    answered: Math.max(0, i * 15_000 - 1_000),
  })),
  inputTopicRecords: 150_000,
  counts: counts(),
  pendingOnInput: 0,
  samples: rssMb.map((mb, i) => sample(i, mb)),
  eventLoopDelay: { p50: 10, p99: 25, max: 60 },
  loadAtEnd: 1,
  harnessCpuMs: 15_000,
  ...over,
});

const FLAT = [80, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100];

describe('summarize', () => {
  it('passes a run that lost nothing and whose RSS stayed level after the warm-up', () => {
    // Act
    const result = summarize(run(FLAT));

    // Assess
    expect(result.failures).toEqual([]);
    expect(result.rss).toEqual({ start: 80 * MB, mid: 100 * MB, end: 100 * MB, growth: 0 });
    expect(result.wallSeconds).toBe(100);
    expect(result.recordsPerSecond).toBe(1_500);
    expect(result.maxBacklog).toBe(1_000);
    expect(result.handlerBusy).toBe(0.5);
    expect(result.cpuMsPerRecord).toBe(0.2);
    expect(result.growth['heap space old_space']?.growth).toBe(0);
    expect(result.growth).not.toHaveProperty('heap space read_only_space');
  });

  it('fails a run whose RSS grew more than 10% over the second half, and says how much', () => {
    // Act: 100 MB half-way, 112 MB at the end
    const result = summarize(run([80, 100, 100, 100, 100, 100, 103, 106, 109, 112, 112]));

    // Assess
    expect(result.rss.growth).toBeCloseTo(0.12, 10);
    expect(result.failures).toEqual(['RSS grew 12.0% over the second half (at most 10%)']);
  });

  it('passes a growth of exactly 10%', () => {
    // Act
    const result = summarize(run([80, 100, 100, 100, 100, 100, 102, 104, 106, 110, 110]));

    // Assess
    expect(result.failures).toEqual([]);
  });

  it.each([
    ['records lost', { counts: counts({ out: 149_990, answered: 149_990, lost: 10 }) }, '10 records lost'],
    ['records on both topics', { counts: counts({ errors: 3, onBoth: 3 }) }, '3 records on both the output'],
    ['strangers', { counts: counts({ strangers: 2 }) }, '2 output or error records name no input record'],
    [
      'a feed cut short',
      { produced: 100_000, inputTopicRecords: 100_000 },
      'only 100000 of 150000 records were fed',
    ],
    [
      'a deadline passed, the unanswered records past the committed offsets',
      {
        endedBy: 'deadline',
        counts: counts({ out: 140_000, answered: 140_000, lost: 10_000 }),
        pendingOnInput: 12_000,
      },
      '10000 records not answered when the run gave up at its deadline (--max-minutes 15): the function ' +
        "fell behind the producer; 12000 records were past the poller's committed offsets",
    ],
    [
      "the function's process gone",
      {
        endedBy: 'function-exited',
        counts: counts({ out: 0, answered: 0, lost: 150_000 }),
        pendingOnInput: 150_000,
      },
      "150000 records not answered when the function's process ended; 150000 records were past",
    ],
    [
      'more on the input topic than produced',
      { inputTopicRecords: 150_001 },
      'the input topic holds 150001 records, 150000 were produced',
    ],
  ] as const)('fails a run with %s', (_, over, reason) => {
    // Act
    const result = summarize(run(FLAT, over));

    // Assess
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toContain(reason);
  });

  it('counts as lost the unanswered records of an early end that are not past the committed offsets', () => {
    // Act
    const result = summarize(
      run(FLAT, {
        endedBy: 'deadline',
        counts: counts({ out: 140_000, answered: 140_000, lost: 10_000 }),
        pendingOnInput: 9_000,
      }),
    );

    // Assess
    expect(result.failures).toHaveLength(2);
    expect(result.failures[1]).toBe('1000 records lost (on neither the output nor the error topic)');
  });

  it('fails a run too short to judge its memory', () => {
    // Act
    const result = summarize(run([100, 100, 100]));

    // Assess
    expect(result.failures).toEqual(['3 samples: too few to judge memory (at least 5)']);
    expect(result.rss.growth).toBeUndefined();
  });

  it('prints the records of a run that ended early as not answered, with those past the committed offsets', () => {
    // Act
    const lines = renderText(
      summarize(
        run(FLAT, {
          endedBy: 'deadline',
          counts: counts({ out: 140_000, answered: 140_000, lost: 10_000 }),
          pendingOnInput: 12_000,
        }),
      ),
    );

    // Assess
    expect(lines[1]).toBe(
      'in 150,000 = out 140,000 + errors 0 + not answered 10,000 (12,000 past the committed offsets); ' +
        '0 duplicates, 0 on both topics, 0 strangers',
    );
  });

  it('prints the figures and the verdict', () => {
    // Act
    const lines = renderText(summarize(run(FLAT, { counts: counts({ out: 149_000, errors: 1_000 }) })));

    // Assess
    expect(lines).toContain(
      'in 150,000 = out 149,000 + errors 1,000 + lost 0; 0 duplicates, 0 on both topics, 0 strangers',
    );
    expect(lines).toContain('RSS start 80.0 MB, mid 100.0 MB, end 100.0 MB: 0.0% over the second half');
    expect(lines.at(-1)).toBe('PASSED');
  });
});

describe('summarize with --live-heap', () => {
  it('reports the growth of the live heap and plots it next to the heap used', () => {
    // Prepare: the live heap creeps up 1 MB a sample while RSS holds
    const base = run(FLAT);
    const samples = base.samples.map((s, i) => ({ ...s, heapLive: (20 + i) * MB }));

    // Act
    const result = summarize({ ...base, settings: { ...base.settings, liveHeap: true }, samples });

    // Assess
    expect(result.growth['heapLive']).toEqual({ mid: 25 * MB, end: 29 * MB, growth: 4 / 25 });
    expect(result.failures).toEqual([]);
    expect(soakChart(result).panels[0]?.series.map((s) => s.name)).toEqual([
      'RSS',
      'heap total',
      'heap used',
      'heap live',
    ]);
  });
});

describe('progressLine', () => {
  it('tells the counts, the last sample, and how busy the handler was since the one before', () => {
    // Prepare
    const samples = [sample(0, 90), sample(1, 95)];

    // Act
    const line = progressLine({ at: T0 + 10_000, fed: 15_000, answered: 14_200 }, samples);

    // Assess
    expect(line).toBe(
      '15,000 fed, 14,200 answered; RSS 95.0 MB, heap used 40.0 MB, event-loop delay p99 21.0 ms, handler busy 50%',
    );
  });

  it('tells the counts alone before the first sample', () => {
    // Act
    const line = progressLine({ at: T0, fed: 0, answered: 0 }, []);

    // Assess
    expect(line).toBe('0 fed, 0 answered');
  });
});

describe('soakChart', () => {
  it('plots memory in MB, delay per interval, records fed and answered per second, and the backlog', () => {
    // Act
    const chart = soakChart(summarize(run(FLAT)));

    // Assess
    const [memory, delay, rate, backlog] = chart.panels;
    expect(memory?.series[0]?.points.slice(0, 2)).toEqual([
      [0, 80],
      [10, 100],
    ]);
    expect(delay?.series.map((s) => s.name)).toEqual(['p50', 'p99']);
    expect(rate?.series.map((s) => s.points[0])).toEqual([
      [10, 1_500],
      [10, 1_400],
    ]);
    expect(backlog?.series[0]?.points.slice(0, 2)).toEqual([
      [0, 0],
      [10, 1_000],
    ]);
    expect(chart.markers).toEqual([{ x: 50, label: 'half-way: RSS 0.0% to the end' }]);
  });

  it('puts samples and producer readings on one axis from the earlier of them, never below 0', () => {
    // Prepare: the producer's first reading 40 ms before the function's first sample
    const early = run(FLAT, { firstProduceAt: T0 - 40 });
    const readings = [{ at: T0 - 40, fed: 0, answered: 0 }, ...early.progress.slice(1)];

    // Act
    const chart = soakChart(summarize({ ...early, progress: readings }));

    // Assess
    const xs = chart.panels.flatMap((p) => p.series.flatMap((s) => s.points.map(([x]) => x)));
    expect(Math.min(...xs)).toBe(0);
    expect(chart.panels[0]?.series[0]?.points[0]).toEqual([0.04, 80]);
    expect(chart.markers?.[0]?.x).toBeCloseTo(50.04, 9);
  });
});

describe('readReports', () => {
  it("keeps the function process's reports and skips its other lines", () => {
    // Prepare
    const lines = [
      '{"kind":"ready"}',
      'a log line',
      JSON.stringify({ kind: 'sample', sample: sample(0, 90) }),
      '{"kind":"unknown"}',
      '{"kind":',
      JSON.stringify({ kind: 'overall', eventLoopDelay: { p50: 1, p99: 2, max: 3 } }),
    ];

    // Act
    const reports = readReports(lines);

    // Assess
    expect(reports.map((r) => r.kind)).toEqual(['ready', 'sample', 'overall']);
    expect(samplesOf(reports)).toEqual([sample(0, 90)]);
  });
});
