/** The soak's hand-built SVG charts: ticks, scaling, escaping, and nothing that is not a number. */
import { describe, expect, it } from 'vitest';
import { type Chart, chartSvg, escapeXml, niceTicks } from '../../../scripts/soak/chart.js';

const polylines = (svg: string): (readonly [number, number])[][] =>
  [...svg.matchAll(/<polyline [^>]*points="([^"]*)"/g)].map((m) =>
    m[1]!
      .split(' ')
      .filter((p) => p !== '')
      .map((p) => p.split(',').map(Number) as unknown as readonly [number, number]),
  );

describe('niceTicks', () => {
  it.each([
    [0, 137, [0, 50, 100, 150]],
    [0, 1, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0, 600, [0, 200, 400, 600]],
    [0, 95, [0, 20, 40, 60, 80, 100]],
    [0, 4_500, [0, 1_000, 2_000, 3_000, 4_000, 5_000]],
    [0, 0, [0, 0.2]],
  ])('covers %d … %d with round steps', (min, max, expected) => {
    // Act
    const ticks = niceTicks(min, max);

    // Assess
    expect(ticks).toEqual(expected);
  });
});

describe('escapeXml', () => {
  it('escapes what would end an element or an attribute', () => {
    // Act
    const escaped = escapeXml('a < b & "c" > d');

    // Assess
    expect(escaped).toBe('a &lt; b &amp; &quot;c&quot; &gt; d');
  });
});

describe('chartSvg', () => {
  const chart: Chart = {
    title: 'Soak <1M>',
    xLabel: 'seconds',
    markers: [{ x: 50, label: 'half-way' }],
    panels: [
      {
        title: 'memory (MB)',
        series: [
          {
            name: 'RSS',
            points: [
              [0, 0],
              [100, 200],
            ],
          },
        ],
      },
      {
        title: 'delay (ms)',
        series: [
          {
            name: 'p99',
            points: [
              [0, 10],
              [50, Number.NaN],
              [100, 20],
            ],
          },
        ],
      },
    ],
  };

  it('draws each series in its panel: the first point bottom left, the top of the y axis at the top', () => {
    // Act
    const svg = chartSvg(chart);

    // Assess: the plot spans x 70…780; panel 1 spans y 70…270, panel 2 y 322…522
    const [rss, p99] = polylines(svg);
    expect(rss).toEqual([
      [70, 270],
      [780, 70],
    ]);
    expect(p99).toEqual([
      [70, 422],
      [780, 322],
    ]);
  });

  it('leaves out points that are not numbers, writes no NaN, and escapes text', () => {
    // Act
    const svg = chartSvg(chart);

    // Assess
    expect(polylines(svg)[1]).toHaveLength(2);
    expect(svg).not.toMatch(/NaN|Infinity/);
    expect(svg).toContain('Soak &lt;1M&gt;');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('marks the markers on every panel', () => {
    // Act
    const svg = chartSvg(chart);

    // Assess
    expect(svg.match(/<line x1="425.0" x2="425.0"[^>]*stroke-dasharray/g)).toHaveLength(2);
    expect(svg).toContain('>half-way</text>');
  });

  it('draws a chart without any point', () => {
    // Act
    const svg = chartSvg({
      title: 't',
      xLabel: 'x',
      panels: [{ title: 'p', series: [{ name: 's', points: [] }] }],
    });

    // Assess
    expect(svg).not.toMatch(/NaN|Infinity/);
  });
});
