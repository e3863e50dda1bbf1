/**
 * Bar charts as SVG, built by hand (no chart library for two pictures): one bar per variant at its
 * median, a whisker over its interquartile range, and an optional dashed reference line (e.g. linear
 * scaling). Written beside BENCHMARKS.md by a full bench run and shown in it.
 */
import type { Series } from './stats.js';

export interface Bar {
  /** Under the bar, e.g. `16` (a pack size) or `4` (partitions). */
  readonly label: string;
  readonly series: Series;
}

export interface BarChart {
  /** File name without extension: `docs/bench/<file>.svg`. */
  readonly file: string;
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly bars: readonly Bar[];
  /** A dashed line over the bars, one value per bar (e.g. the first bar's figure times N). */
  readonly reference?: { readonly label: string; readonly values: readonly number[] };
}

const WIDTH = 640;
const HEIGHT = 360;
const PLOT = { left: 76, right: 24, top: 48, bottom: 64 } as const;
const PLOT_WIDTH = WIDTH - PLOT.left - PLOT.right;
const PLOT_HEIGHT = HEIGHT - PLOT.top - PLOT.bottom;
const TICKS = 5;

/** Text for an SVG text node or attribute. */
export const escapeXml = (text: string): string =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');

/**
 * The smallest of 1, 2 or 5 times a power of ten that is at least `x` (a tick step people read).
 *
 * @example
 * niceStep(730); // 1000
 * niceStep(0.3); // 0.5
 */
export const niceStep = (x: number): number => {
  if (!(x > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(x));
  const fraction = x / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return nice * power;
};

/** The y axis: a top that is a whole number of nice steps above every value drawn. */
export const yAxis = (highest: number): { readonly top: number; readonly step: number } => {
  const step = niceStep(highest / TICKS);
  return { top: Math.max(step, Math.ceil(highest / step) * step), step };
};

const formatValue = (v: number): string =>
  v >= 100 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(3)).toString();

const fixed = (v: number): string => Number(v.toFixed(1)).toString();

/**
 * The chart as a standalone SVG document.
 *
 * @example
 * writeFileSync('docs/bench/coalescing.svg', renderBarChart({
 *   file: 'coalescing', title: 'Records/s per pack size', xLabel: 'COALESCE_MAX_RECORDS',
 *   yLabel: 'records/s', bars: [{ label: '1', series: series([450, 470]) }],
 * }));
 */
export const renderBarChart = (chart: BarChart): string => {
  if (chart.bars.length === 0) throw new Error(`chart ${chart.file} has no bars`);
  const drawn = [
    ...chart.bars.flatMap((b) => [b.series.median, b.series.q3]),
    ...(chart.reference?.values ?? []),
  ].filter(Number.isFinite);
  const { top, step } = yAxis(Math.max(0, ...drawn));
  const y = (v: number): number => PLOT.top + PLOT_HEIGHT * (1 - Math.max(0, v) / top);
  const slot = PLOT_WIDTH / chart.bars.length;
  const centre = (i: number): number => PLOT.left + slot * (i + 0.5);
  const barWidth = slot * 0.6;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(chart.title)}</text>`,
  ];
  for (let tick = 0; tick * step <= top + step / 1e9; tick++) {
    const v = tick * step;
    out.push(
      `<line class="grid" x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${fixed(y(v))}" y2="${fixed(y(v))}" stroke="#e0e0e0"/>`,
      `<text class="tick" x="${PLOT.left - 8}" y="${fixed(y(v) + 4)}" text-anchor="end">${escapeXml(formatValue(v))}</text>`,
    );
  }
  chart.bars.forEach((bar, i) => {
    const { median, q1, q3 } = bar.series;
    const x = centre(i);
    out.push(
      `<rect class="bar" x="${fixed(x - barWidth / 2)}" y="${fixed(y(median))}" width="${fixed(barWidth)}" height="${fixed(y(0) - y(median))}" fill="#4a7ab5"/>`,
      `<line class="iqr" x1="${fixed(x)}" x2="${fixed(x)}" y1="${fixed(y(q1))}" y2="${fixed(y(q3))}" stroke="#1d1d1d" stroke-width="1.5"/>`,
      ...[q1, q3].map(
        (v) =>
          `<line class="iqr-cap" x1="${fixed(x - 6)}" x2="${fixed(x + 6)}" y1="${fixed(y(v))}" y2="${fixed(y(v))}" stroke="#1d1d1d" stroke-width="1.5"/>`,
      ),
      `<text class="value" x="${fixed(x)}" y="${fixed(Math.min(y(median), y(q3)) - 6)}" text-anchor="middle">${escapeXml(formatValue(median))}</text>`,
      `<text class="label" x="${fixed(x)}" y="${HEIGHT - PLOT.bottom + 18}" text-anchor="middle">${escapeXml(bar.label)}</text>`,
    );
  });
  if (chart.reference !== undefined) {
    const points = chart.reference.values.map((v, i) => `${fixed(centre(i))},${fixed(y(v))}`).join(' ');
    out.push(
      `<polyline class="reference" points="${points}" fill="none" stroke="#c0392b" stroke-width="1.5" stroke-dasharray="6 4"/>`,
      `<text x="${WIDTH - PLOT.right}" y="${PLOT.top - 8}" text-anchor="end" fill="#c0392b">- - ${escapeXml(chart.reference.label)}</text>`,
    );
  }
  out.push(
    `<line x1="${PLOT.left}" x2="${WIDTH - PLOT.right}" y1="${y(0)}" y2="${y(0)}" stroke="#1d1d1d"/>`,
    `<text x="${PLOT.left + PLOT_WIDTH / 2}" y="${HEIGHT - 16}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
    `<text x="18" y="${PLOT.top + PLOT_HEIGHT / 2}" text-anchor="middle" transform="rotate(-90 18 ${PLOT.top + PLOT_HEIGHT / 2})">${escapeXml(chart.yLabel)}</text>`,
    `<text x="${PLOT.left}" y="${PLOT.top - 8}" fill="#555555">bar: median; whisker: interquartile range</text>`,
    '</svg>',
  );
  return `${out.join('\n')}\n`;
};
