/** The bench's output: a table on stdout, bench-results/latest.json, and the figures in BENCHMARKS.md. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { Machine } from './machine.js';
import { type Goal, met, type ScenarioResult } from './results.js';

export interface BenchReport {
  readonly machine: Machine;
  readonly mode: 'full' | 'quick';
  readonly command: string;
  readonly durationS: number;
  readonly scenarios: readonly ScenarioResult[];
  /** Scenarios that failed, with the error. */
  readonly failed: readonly { readonly id: string; readonly error: string }[];
}

const number = (v: number, unit: string): string => {
  if (!Number.isFinite(v)) return '—';
  if (unit === 'x') return `${v.toFixed(2)}×`;
  if (unit === 'ms') return `${v.toFixed(v < 100 ? 1 : 0)} ms`;
  if (unit === 'KB') return `${Math.round(v).toLocaleString('en-US')} KB`;
  return `${Math.round(v).toLocaleString('en-US')} ${unit}`;
};

const runsText = (runs: readonly number[], unit: string): string =>
  runs.map((r) => (unit === 'ms' ? r.toFixed(0) : Math.round(r).toString())).join(' ');

const goalText = (g: Goal): string => `${g.op === '>=' ? '≥' : '≤'} ${number(g.target, g.unit)}`;

export const machineLine = (m: Machine): string =>
  `${m.nproc} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB, Node.js ${m.node}, ${m.platform}; ` +
  `1-min load ${m.loadAtStart} at start; ${m.date}`;

/** The plain-text table printed at the end of a run. */
export const renderText = (report: BenchReport): string => {
  const out: string[] = [`msk-inference bench (${report.mode}): ${machineLine(report.machine)}`, ''];
  for (const s of report.scenarios) {
    out.push(s.title, `  ${s.setup}`);
    for (const f of s.figures) {
      out.push(
        `  ${f.label.padEnd(66)} ${number(f.series.median, f.unit).padStart(12)}   runs: ${runsText(f.series.runs, f.unit)}`,
      );
    }
    for (const g of s.goals) {
      out.push(
        `  ${`goal ${g.label}`.padEnd(66)} ${number(g.value, g.unit).padStart(12)}   ${goalText(g)}  ${met(g) ? 'met' : 'NOT MET'}`,
      );
    }
    for (const n of s.notes) out.push(`  note: ${n}`);
    out.push('');
  }
  for (const f of report.failed) out.push(`FAILED ${f.id}: ${f.error}`);
  out.push(`bench took ${Math.round(report.durationS)} s`);
  return `${out.join('\n')}\n`;
};

const cell = (s: string): string => s.replaceAll('|', '\\|');

/** The generated part of BENCHMARKS.md (between the markers). */
export const renderMarkdown = (report: BenchReport): string => {
  const lines: string[] = [
    `Measured by \`${report.command}\` (${report.mode}) in ${Math.round(report.durationS)} s on ` +
      `${machineLine(report.machine)}.`,
    '',
    'Ratios are medians of per-round ratios: the variants of a scenario take turns, round after round.',
    '',
    '| goal | measured | target | |',
    '|---|---:|---:|---|',
  ];
  for (const s of report.scenarios) {
    for (const g of s.goals) {
      lines.push(
        `| ${cell(s.title)}: ${cell(g.label)} | ${number(g.value, g.unit)} | ${goalText(g)} | ${met(g) ? 'met' : '**not met**'} |`,
      );
    }
  }
  for (const f of report.failed) lines.push(`| ${f.id} | failed: ${cell(f.error)} | | |`);
  lines.push('', '| scenario | measure | median | runs |', '|---|---|---:|---|');
  for (const s of report.scenarios) {
    for (const f of s.figures) {
      lines.push(
        `| ${cell(s.title)} | ${cell(f.label)} | ${number(f.series.median, f.unit)} | ${runsText(f.series.runs, f.unit)} |`,
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
