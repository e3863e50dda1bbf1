/** The goal table and the generated part of BENCHMARKS.md. */
import { describe, expect, it } from 'vitest';
import type { Machine } from '../../../scripts/bench/machine.js';
import {
  type BenchReport,
  formatDuration,
  formatSeries,
  goalLines,
  renderMarkdown,
} from '../../../scripts/bench/report.js';
import type { ScenarioResult } from '../../../scripts/bench/results.js';
import { series } from '../../../scripts/bench/stats.js';

const machine: Machine = {
  nproc: 2,
  cpuModel: 'test CPU',
  memoryGiB: 4,
  node: 'v20.0.0',
  platform: 'linux x64',
  loadAtStart: 1,
  date: '2026-12-02T00:00:00.000Z',
};

const scenario = (overrides: Partial<ScenarioResult>): ScenarioResult => ({
  id: 'rest',
  title: '2. MLServer iris, REST',
  setup: 'test set-up',
  figures: [],
  goals: [],
  ratios: [],
  notes: [],
  charts: [],
  ...overrides,
});

describe('goalLines', () => {
  it('lists every goal of the issue, measured or not', () => {
    const scenarios = [
      scenario({ goals: [{ id: 'rest-direct', series: series([0.96, 0.97, 0.98, 0.99, 1.0]) }] }),
    ];

    const lines = goalLines(scenarios);

    expect(lines.map((l) => l.row.id)).toEqual([
      'rest-direct',
      'grpc-direct',
      'coalesced-mlserver-kafka',
      'adapter',
      'cold-start',
      'bundle',
      'memory',
    ]);
    expect(lines[0]!.met).toBe(true);
    expect(lines.slice(1).every((l) => l.measured === undefined && l.met === undefined)).toBe(true);
  });
});

describe('renderMarkdown', () => {
  const report: BenchReport = {
    machine,
    mode: 'full',
    command: 'npm run bench',
    durationS: 632,
    scenarios: [
      scenario({
        goals: [{ id: 'rest-direct', series: series([0.9, 0.93, 0.96, 0.97, 0.98]) }],
        ratios: [{ label: 'per record, poller / own Kafka', series: series([0.5, 0.6, 0.7]) }],
        figures: [{ label: 'poller', unit: 'records/s', series: series([400, 450, 500]) }],
        charts: [
          { file: 'coalescing', title: 'Records/s per pack size', xLabel: 'x', yLabel: 'y', bars: [] },
        ],
      }),
    ],
    failed: [],
  };

  it('gives each goal today, target, median [IQR] and whether its lower quartile meets it', () => {
    const md = renderMarkdown(report);

    expect(md).toContain(
      '| per record, REST, poller / MLServer direct (same concurrency) | 0.77× | ≥ 0.95× | 0.96× [0.93–0.97] | **not met** |',
    );
    expect(md).toContain(
      '| peak RSS handling one 6 MB / 10,000-record batch | — | ≤ 200 MB | not measured | — |',
    );
  });

  it('says how long the bench took, shows the charts and lists the other ratios', () => {
    const md = renderMarkdown(report);

    expect(md).toContain('in **10 min 32 s**');
    expect(md).toContain('![Records/s per pack size](docs/bench/coalescing.svg)');
    expect(md).toContain(
      '| 2. MLServer iris, REST: per record, poller / own Kafka | 0.60× [0.55–0.65] | 3 |',
    );
    expect(md).toContain('| 2. MLServer iris, REST | poller | 450 [425–475] records/s | 400 450 500 |');
  });
});

describe('formatting', () => {
  it.each([
    [series([0.9, 0.94, 1]), 'x', '0.94× [0.92–0.97]'],
    [series([100, 200, 300]), 'ms', '200 [150–250] ms'],
    [series([1200, 1500, 1800]), 'records/s', '1,500 [1,350–1,650] records/s'],
    [series([384]), 'KB', '384 KB'],
  ])('formatSeries(%j, %s) is %s', (s, unit, expected) => {
    expect(formatSeries(s, unit)).toBe(expected);
  });

  it.each([
    [42, '42 s'],
    [632, '10 min 32 s'],
  ])('formatDuration(%d) is %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });
});
