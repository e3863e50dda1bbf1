/** The hand-built SVG bar chart: bars at the medians, whiskers over the quartiles, text escaped. */
import { describe, expect, it } from 'vitest';
import { type BarChart, niceStep, renderBarChart, yAxis } from '../../../scripts/bench/chart.js';
import { series } from '../../../scripts/bench/stats.js';

interface Geometry {
  readonly x: number;
  readonly y: number;
  readonly height: number;
  readonly y1: number;
  readonly y2: number;
}

/** The geometry of every element of a class, in document order (NaN for an attribute it lacks). */
const elements = (svg: string, cls: string): Geometry[] =>
  [...svg.matchAll(new RegExp(`<\\w+ class="${cls}"([^>]*)/>`, 'g'))].map((m) => {
    const attrs = new Map([...m[1]!.matchAll(/(\w[\w-]*)="(-?[\d.]+)"/g)].map(([, n, v]) => [n!, Number(v)]));
    const get = (name: string): number => attrs.get(name) ?? Number.NaN;
    return { x: get('x'), y: get('y'), height: get('height'), y1: get('y1'), y2: get('y2') };
  });

const chart: BarChart = {
  file: 'test',
  title: 'Records/s per pack size',
  xLabel: 'COALESCE_MAX_RECORDS',
  yLabel: 'records/s',
  bars: [
    { label: '1', series: series([400, 450, 500]) },
    { label: '16', series: series([1600, 1800, 2000]) },
    { label: '64', series: series([3000, 3600, 4000]) },
  ],
};

describe('renderBarChart', () => {
  it('draws one bar per variant, as tall as its median, from one baseline', () => {
    const svg = renderBarChart(chart);

    const bars = elements(svg, 'bar');
    expect(bars).toHaveLength(3);
    const [one, sixteen, sixtyFour] = bars as [Geometry, Geometry, Geometry];
    expect(sixteen.height / one.height).toBeCloseTo(1800 / 450, 1);
    expect(sixtyFour.height / one.height).toBeCloseTo(3600 / 450, 1);
    for (const bar of bars) expect(bar.y + bar.height).toBeCloseTo(one.y + one.height, 0);
  });

  it('draws each whisker from the lower to the upper quartile on the bars’ scale', () => {
    const svg = renderBarChart(chart);

    const [bar] = elements(svg, 'bar') as [Geometry];
    const [whisker] = elements(svg, 'iqr') as [Geometry];
    const baseline = bar.y + bar.height;
    const perUnit = bar.height / 450;
    // The first bar's runs 400, 450, 500: quartiles 425 and 475.
    expect(baseline - whisker.y1).toBeCloseTo(425 * perUnit, 0);
    expect(baseline - whisker.y2).toBeCloseTo(475 * perUnit, 0);
    expect(elements(svg, 'iqr-cap')).toHaveLength(6);
  });

  it('labels the y axis in nice steps up to at least the highest value drawn', () => {
    const svg = renderBarChart(chart);

    const ticks = [...svg.matchAll(/class="tick"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(ticks).toEqual(['0', '1,000', '2,000', '3,000', '4,000']);
  });

  it('draws a reference line through one point per bar', () => {
    const svg = renderBarChart({
      ...chart,
      reference: { label: 'linear', values: [450, 900, 1800] },
    });

    const points = /class="reference" points="([^"]+)"/.exec(svg)![1]!.split(' ');
    expect(points).toHaveLength(3);
  });

  it('escapes text, so that a label cannot break the document', () => {
    const svg = renderBarChart({
      ...chart,
      title: 'A <b> & "C"',
      bars: [{ label: "x<y & 'z'", series: series([1]) }],
    });

    expect(svg).toContain('A &lt;b&gt; &amp; &quot;C&quot;');
    expect(svg).toContain('x&lt;y &amp; &apos;z&apos;');
    expect(svg).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
    expect(svg.match(/<svg /g)).toHaveLength(1);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('refuses a chart without bars', () => {
    expect(() => renderBarChart({ ...chart, bars: [] })).toThrow(/no bars/);
  });
});

describe('niceStep and yAxis', () => {
  it.each([
    [730, 1000],
    [200, 200],
    [0.3, 0.5],
    [1.2, 2],
    [0, 1],
  ])('niceStep(%d) is %d', (x, expected) => {
    expect(niceStep(x)).toBeCloseTo(expected, 10);
  });

  it('tops the axis at the first whole step above the highest value', () => {
    expect(yAxis(3600)).toEqual({ top: 4000, step: 1000 });
    expect(yAxis(0)).toEqual({ top: 1, step: 1 });
  });
});
