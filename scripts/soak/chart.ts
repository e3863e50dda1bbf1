/**
 * Line charts as SVG text: panels stacked on one time axis, each with its own y axis from 0, a
 * legend, and vertical markers (e.g. half-way). Hand-built so that a chart needs no package.
 */

export interface Series {
  readonly name: string;
  /** `[x, y]` pairs, in x order. */
  readonly points: readonly (readonly [number, number])[];
}

export interface Panel {
  readonly title: string;
  readonly series: readonly Series[];
}

export interface Marker {
  readonly x: number;
  readonly label: string;
}

export interface Chart {
  readonly title: string;
  readonly xLabel: string;
  readonly panels: readonly Panel[];
  readonly markers?: readonly Marker[];
}

const WIDTH = 800;
const PANEL_HEIGHT = 200;
const MARGIN = { left: 70, right: 20, top: 40, bottom: 20 } as const;
/** Room under a panel for its x tick labels, and above it for its title and legend. */
const PANEL_GAP = { above: 30, below: 22 } as const;
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'] as const;

/**
 * Round tick values covering `[min, max]`, about `count` of them, steps of 1, 2 or 5 × 10^n.
 *
 * @example
 * niceTicks(0, 137); // [0, 50, 100, 150]
 */
export const niceTicks = (min: number, max: number, count = 5): number[] => {
  const span = max > min ? max - min : Math.abs(min) || 1;
  const raw = span / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((f) => raw / magnitude <= f) ?? 10) * magnitude;
  const first = Math.floor(min / step);
  const last = Math.max(Math.ceil(max / step), first + 1);
  return Array.from({ length: last - first + 1 }, (_, i) => Number(((first + i) * step).toPrecision(12)));
};

/** XML-escapes text for an element or an attribute. */
export const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const label = (v: number): string => v.toLocaleString('en-US', { maximumFractionDigits: 3 });

const text = (x: number, y: number, content: string, attrs = ''): string =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}"${attrs}>${escapeXml(content)}</text>`;

const finite = (points: readonly (readonly [number, number])[]) =>
  points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));

/**
 * @example
 * const svg = chartSvg({
 *   title: 'soak', xLabel: 'seconds',
 *   panels: [{ title: 'RSS (MB)', series: [{ name: 'rss', points: [[0, 90], [10, 95]] }] }],
 * });
 */
export const chartSvg = (chart: Chart): string => {
  const all = chart.panels.flatMap((p) => p.series.flatMap((s) => finite(s.points)));
  const xs = all.map(([x]) => x);
  const xTicks = niceTicks(Math.min(0, ...xs), Math.max(0, ...xs));
  const [x0, x1] = [xTicks[0]!, xTicks.at(-1)!];
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const xOf = (x: number): number => MARGIN.left + ((x - x0) / (x1 - x0)) * plotWidth;
  const slot = PANEL_GAP.above + PANEL_HEIGHT + PANEL_GAP.below;
  const height = MARGIN.top + chart.panels.length * slot + MARGIN.bottom;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    text(WIDTH / 2, 22, chart.title, ' text-anchor="middle" font-size="14" font-weight="bold"'),
  ];
  chart.panels.forEach((panel, i) => {
    const top = MARGIN.top + i * slot + PANEL_GAP.above;
    const bottom = top + PANEL_HEIGHT;
    const ys = panel.series.flatMap((s) => finite(s.points).map(([, y]) => y));
    const yTicks = niceTicks(0, Math.max(0, ...ys));
    const y1 = yTicks.at(-1)!;
    const yOf = (y: number): number => bottom - (y / y1) * PANEL_HEIGHT;
    out.push(text(MARGIN.left, top - 16, panel.title, ' font-size="12" font-weight="bold"'));
    for (const t of yTicks) {
      out.push(
        `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${yOf(t).toFixed(1)}" y2="${yOf(t).toFixed(1)}" stroke="#e5e5e5"/>`,
        text(MARGIN.left - 6, yOf(t) + 4, label(t), ' text-anchor="end"'),
      );
    }
    for (const t of xTicks) {
      out.push(text(xOf(t), bottom + 14, label(t), ' text-anchor="middle"'));
    }
    out.push(
      `<rect x="${MARGIN.left}" y="${top}" width="${plotWidth}" height="${PANEL_HEIGHT}" fill="none" stroke="#999"/>`,
    );
    for (const m of chart.markers ?? []) {
      const x = xOf(m.x).toFixed(1);
      out.push(`<line x1="${x}" x2="${x}" y1="${top}" y2="${bottom}" stroke="#777" stroke-dasharray="4 3"/>`);
      if (i === 0) out.push(text(xOf(m.x) + 4, top + 12, m.label, ' fill="#555"'));
    }
    panel.series.forEach((s, k) => {
      const color = COLORS[k % COLORS.length]!;
      const points = finite(s.points)
        .map(([x, y]) => `${xOf(x).toFixed(1)},${yOf(y).toFixed(1)}`)
        .join(' ');
      out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${points}"/>`);
      const lx = WIDTH - MARGIN.right - (panel.series.length - k) * 120;
      out.push(
        `<line x1="${lx}" x2="${lx + 16}" y1="${top - 20}" y2="${top - 20}" stroke="${color}" stroke-width="2"/>`,
        text(lx + 20, top - 16, s.name),
      );
    });
  });
  out.push(text(MARGIN.left + plotWidth / 2, height - 6, chart.xLabel, ' text-anchor="middle"'), '</svg>');
  return `${out.join('\n')}\n`;
};
