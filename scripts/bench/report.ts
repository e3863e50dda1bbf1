/** The bench's output: a table on stdout, bench-results/latest.json, and the figures in BENCHMARKS.md. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { GOALS, type GoalMeasure, type GoalRow, goalMet } from './goals.js';
import type { Machine } from './machine.js';
import type { ScenarioResult } from './results.js';
import { type Series, spread } from './stats.js';

export interface BenchReport {
  readonly machine: Machine;
  readonly mode: 'full' | 'quick';
  readonly command: string;
  readonly durationS: number;
  readonly scenarios: readonly ScenarioResult[];
  /** Scenarios that failed, with the error. */
  readonly failed: readonly { readonly id: string; readonly error: string }[];
}

/** Where the charts go, relative to the repository root (and to BENCHMARKS.md). */
export const CHART_DIR = 'docs/bench';

/**
 * A value in its unit, e.g. `0.93×`, `142 ms`, `384 KB`, `2,310 records/s`.
 *
 * @example
 * formatValue(0.934, 'x'); // "0.93×"
 */
export const formatValue = (v: number, unit: string): string => {
  if (!Number.isFinite(v)) return '—';
  if (unit === 'x') return `${v.toFixed(2)}×`;
  if (unit === 'ms') return `${v.toFixed(v < 100 ? 1 : 0)} ms`;
  if (unit === 'MB') return `${v.toFixed(v < 100 ? 1 : 0)} MB`;
  return `${Math.round(v).toLocaleString('en-US')} ${unit}`;
};

/** `median [q1–q3] unit`, e.g. `0.93× [0.90–0.96]`, `1,500 [1,350–1,650] records/s`. */
export const formatSeries = (s: Series, unit: string): string => {
  if (s.runs.length < 2) return formatValue(s.median, unit);
  const bare = (v: number): string => formatValue(v, unit).replace(/ ?(×|ms|MB|KB|records\/s)$/, '');
  const range = `[${bare(s.q1)}–${bare(s.q3)}]`;
  return unit === 'x' ? `${formatValue(s.median, unit)} ${range}` : `${bare(s.median)} ${range} ${unit}`;
};

/** Whole minutes and seconds: `10 min 32 s`. */
export const formatDuration = (seconds: number): string => {
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
};

const runsText = (runs: readonly number[], unit: string): string =>
  runs.map((r) => (unit === 'x' ? r.toFixed(2) : unit === 'MB' ? r.toFixed(1) : Math.round(r))).join(' ');

const targetText = (g: GoalRow): string => `${g.op === '>=' ? '≥' : '≤'} ${formatValue(g.target, g.unit)}`;

const measuredText = (g: GoalRow, m: GoalMeasure): string =>
  `${formatSeries(m.series, g.unit)}` +
  (g.maxSpread === undefined ? '' : `, spread ${spread(m.series.runs).toFixed(2)} (≤ ${g.maxSpread})`);

/** One line per goal of the issue: today, target, measured median [IQR], met. */
export interface GoalLine {
  readonly row: GoalRow;
  readonly measured?: GoalMeasure;
  readonly met?: boolean;
}

export const goalLines = (scenarios: readonly ScenarioResult[]): GoalLine[] =>
  GOALS.map((row) => {
    const measured = scenarios.flatMap((s) => s.goals).find((g) => g.id === row.id);
    return measured === undefined ? { row } : { row, measured, met: goalMet(row, measured.series) };
  });

export const machineLine = (m: Machine): string =>
  `${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, Node.js ${m.node}, ${m.platform}; ` +
  `1-min load ${m.loadAtStart} at start; ${m.date}`;

/** The plain-text report printed at the end of a run. */
export const renderText = (report: BenchReport): string => {
  const out: string[] = [`msk-inference bench (${report.mode}): ${machineLine(report.machine)}`, ''];
  for (const s of report.scenarios) {
    out.push(s.title, `  ${s.setup}`);
    for (const f of s.figures) {
      out.push(
        `  ${f.label.padEnd(64)} ${formatSeries(f.series, f.unit).padStart(28)}   runs: ${runsText(f.series.runs, f.unit)}`,
      );
    }
    for (const r of s.ratios) {
      out.push(`  ratio ${r.label.padEnd(58)} ${formatSeries(r.series, 'x').padStart(28)}`);
    }
    for (const n of s.notes) out.push(`  note: ${n}`);
    out.push('');
  }
  out.push('Goals (met when the quartile on the unlucky side meets the target):');
  for (const { row, measured, met } of goalLines(report.scenarios)) {
    const value = measured === undefined ? 'not measured' : measuredText(row, measured);
    const verdict = met === undefined ? '' : met ? 'met' : 'NOT MET';
    out.push(`  ${row.label.padEnd(74)} ${value.padStart(34)}  ${targetText(row).padEnd(10)} ${verdict}`);
  }
  for (const f of report.failed) out.push(`FAILED ${f.id}: ${f.error}`);
  out.push('', `bench took ${formatDuration(report.durationS)}`);
  return `${out.join('\n')}\n`;
};

const cell = (s: string): string => s.replaceAll('|', '\\|');

/** The generated part of BENCHMARKS.md (between the markers). */
export const renderMarkdown = (report: BenchReport): string => {
  const lines: string[] = [
    `Measured by \`${report.command}\` (${report.mode}) in **${formatDuration(report.durationS)}** on ` +
      `${machineLine(report.machine)}.`,
    '',
    'Each ratio is the median of paired ratios (the two sides run back to back, round after round), ' +
      'with its interquartile range in brackets. A goal is met only when the quartile on its unlucky ' +
      'side meets the target: the lower quartile for an at-least goal, the upper one for an at-most goal.',
    '',
    '| goal | today | target | measured median [IQR] | met? |',
    '|---|---:|---:|---:|---|',
  ];
  for (const { row, measured, met } of goalLines(report.scenarios)) {
    lines.push(
      `| ${cell(row.label)} | ${row.today} | ${targetText(row)} | ` +
        `${measured === undefined ? 'not measured' : cell(measuredText(row, measured))} | ` +
        `${met === undefined ? '—' : met ? 'met' : '**not met**'} |`,
    );
  }
  for (const f of report.failed) lines.push(`| ${f.id} | | | failed: ${cell(f.error)} | |`);
  for (const chart of report.scenarios.flatMap((s) => s.charts)) {
    lines.push('', `![${chart.title}](${CHART_DIR}/${chart.file}.svg)`);
  }
  const ratios = report.scenarios.flatMap((s) => s.ratios.map((r) => ({ s, r })));
  if (ratios.length > 0) {
    lines.push('', '| other ratios | median [IQR] | pairs |', '|---|---:|---:|');
    for (const { s, r } of ratios) {
      lines.push(
        `| ${cell(s.title)}: ${cell(r.label)} | ${formatSeries(r.series, 'x')} | ${r.series.runs.length} |`,
      );
    }
  }
  lines.push('', '| scenario | measure | median [IQR] | runs |', '|---|---|---:|---|');
  for (const s of report.scenarios) {
    for (const f of s.figures) {
      lines.push(
        `| ${cell(s.title)} | ${cell(f.label)} | ${formatSeries(f.series, f.unit)} | ${runsText(f.series.runs, f.unit)} |`,
      );
    }
  }
  lines.push('', 'How each scenario was measured:', '');
  for (const s of report.scenarios) {
    lines.push(`- **${s.title}**: ${s.setup}.`);
    for (const n of s.notes) lines.push(`  ${n}`);
  }
  return lines.join('\n');
};

export const MARKERS = { start: '<!-- bench:start -->', end: '<!-- bench:end -->' } as const;

/**
 * Rewrites the generated part of BENCHMARKS.md and keeps everything outside the markers (the
 * analysis written by people) as it is.
 */
export const writeBenchmarksMd = (path: string, generated: string, skeleton: string): void => {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : skeleton;
  const start = text.indexOf(MARKERS.start);
  const end = text.indexOf(MARKERS.end);
  const block = `${MARKERS.start}\n${generated}\n${MARKERS.end}`;
  const next =
    start >= 0 && end > start
      ? `${text.slice(0, start)}${block}${text.slice(end + MARKERS.end.length)}`
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, next);
};
