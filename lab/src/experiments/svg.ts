// Small hand-written SVG charts for the reports: line charts (optionally log y, with vertical
// event markers) and grouped bar charts. No dependencies; output is deterministic text.

export interface Series {
  readonly name: string;
  readonly points: readonly (readonly [number, number])[];
  readonly dashed?: boolean;
}

export interface Marker {
  readonly x: number;
  readonly label: string;
}

export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly markers?: readonly Marker[];
  readonly yLog?: boolean;
  readonly yMin?: number;
  readonly yMax?: number;
}

export interface BarChartOptions {
  readonly title: string;
  readonly yLabel: string;
  readonly categories: readonly string[];
  readonly series: readonly { readonly name: string; readonly values: readonly number[] }[];
  readonly yLog?: boolean;
}

const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22', '#000000'];
const WIDTH = 880;
const HEIGHT = 360;
const PLOT = { left: 70, right: 230, top: 40, bottom: 50 };

export const colorOf = (index: number): string => PALETTE[index % PALETTE.length] as string;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const fmt = (value: number): string => (Math.abs(value) >= 1000 || Number.isInteger(value) ? value.toFixed(0) : value.toPrecision(3));

/** Round tick values covering [min, max]. */
export function linearTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = ([1, 2, 5, 10].find((m) => m * magnitude >= raw) ?? 10) * magnitude;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let decade = Math.floor(Math.log10(min)); decade <= Math.ceil(Math.log10(max)); decade++) {
    for (const m of [1, 2, 5]) {
      const t = m * Math.pow(10, decade);
      if (t >= min * 0.999 && t <= max * 1.001) ticks.push(t);
    }
  }
  return ticks;
}

interface Scale {
  (value: number): number;
}

function yScale(min: number, max: number, log: boolean): Scale {
  const top = PLOT.top;
  const bottom = HEIGHT - PLOT.bottom;
  if (log) {
    const a = Math.log10(min);
    const b = Math.log10(max);
    return (v) => bottom - ((Math.log10(Math.max(v, min)) - a) / (b - a || 1)) * (bottom - top);
  }
  return (v) => bottom - ((v - min) / (max - min || 1)) * (bottom - top);
}

function frame(title: string, xLabel: string, yLabel: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="${PLOT.left + (WIDTH - PLOT.left - PLOT.right) / 2}" y="${HEIGHT - 10}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(16 ${PLOT.top + (HEIGHT - PLOT.top - PLOT.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function yAxis(ticks: readonly number[], y: Scale): string[] {
  const right = WIDTH - PLOT.right;
  return ticks.flatMap((t) => [
    `<line x1="${PLOT.left}" x2="${right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e5e5e5"/>`,
    `<text x="${PLOT.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`,
  ]);
}

function legend(names: readonly { name: string; color: string; dashed?: boolean }[]): string[] {
  const x = WIDTH - PLOT.right + 14;
  return names.flatMap((entry, i) => {
    const y = PLOT.top + 8 + i * 18;
    return [
      `<line x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${entry.color}" stroke-width="3"${entry.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
      `<text x="${x + 28}" y="${y + 4}">${escapeXml(entry.name)}</text>`,
    ];
  });
}

export function lineChart(options: LineChartOptions): string {
  const all = options.series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y) && (!options.yLog || y > 0));
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const xMin = xs.length ? Math.min(...xs) : 0;
  const xMax = xs.length ? Math.max(...xs) : 1;
  let yMin = options.yMin ?? (ys.length ? Math.min(...ys) : 0);
  let yMax = options.yMax ?? (ys.length ? Math.max(...ys) : 1);
  if (options.yLog) {
    yMin = Math.pow(10, Math.floor(Math.log10(Math.max(yMin, 1e-3))));
    yMax = Math.pow(10, Math.ceil(Math.log10(Math.max(yMax, yMin * 10))));
  } else if (options.yMin === undefined) {
    yMin = Math.min(0, yMin);
  }
  const right = WIDTH - PLOT.right;
  const x = (v: number): number => PLOT.left + ((v - xMin) / (xMax - xMin || 1)) * (right - PLOT.left);
  const y = yScale(yMin, yMax, options.yLog ?? false);
  const yTicks = options.yLog ? logTicks(yMin, yMax) : linearTicks(yMin, yMax);
  const body: string[] = [...yAxis(yTicks, y)];
  for (const t of linearTicks(xMin, xMax, 8)) {
    body.push(`<text x="${x(t).toFixed(1)}" y="${HEIGHT - PLOT.bottom + 16}" text-anchor="middle">${fmt(t)}</text>`);
  }
  for (const marker of options.markers ?? []) {
    const mx = x(marker.x).toFixed(1);
    body.push(`<line x1="${mx}" x2="${mx}" y1="${PLOT.top}" y2="${HEIGHT - PLOT.bottom}" stroke="#555" stroke-dasharray="2 3"/>`);
    body.push(`<text x="${(x(marker.x) + 4).toFixed(1)}" y="${PLOT.top + 10}" fill="#555">${escapeXml(marker.label)}</text>`);
  }
  options.series.forEach((series, i) => {
    const path = series.points
      .filter(([, v]) => Number.isFinite(v) && (!options.yLog || v > 0))
      .map(([px, py], k) => `${k === 0 ? 'M' : 'L'}${x(px).toFixed(1)},${y(py).toFixed(1)}`)
      .join('');
    if (path) {
      body.push(
        `<path d="${path}" fill="none" stroke="${colorOf(i)}" stroke-width="1.6"${series.dashed ? ' stroke-dasharray="5 3"' : ''}/>`,
      );
    }
  });
  body.push(`<rect x="${PLOT.left}" y="${PLOT.top}" width="${right - PLOT.left}" height="${HEIGHT - PLOT.top - PLOT.bottom}" fill="none" stroke="#999"/>`);
  body.push(...legend(options.series.map((s, i) => ({ name: s.name, color: colorOf(i), dashed: s.dashed ?? false }))));
  return frame(options.title, options.xLabel, options.yLabel, body);
}

export function barChart(options: BarChartOptions): string {
  const values = options.series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && (!options.yLog || v > 0));
  let yMin = options.yLog ? Math.pow(10, Math.floor(Math.log10(Math.max(Math.min(...values), 1e-3)))) : 0;
  const yMax = options.yLog ? Math.pow(10, Math.ceil(Math.log10(Math.max(...values)))) : Math.max(...values) * 1.1;
  if (!Number.isFinite(yMin)) yMin = 0.1;
  const y = yScale(yMin, yMax, options.yLog ?? false);
  const right = WIDTH - PLOT.right;
  const groupWidth = (right - PLOT.left) / Math.max(1, options.categories.length);
  const barWidth = (groupWidth * 0.8) / Math.max(1, options.series.length);
  const body: string[] = [...yAxis(options.yLog ? logTicks(yMin, yMax) : linearTicks(yMin, yMax), y)];
  options.categories.forEach((category, c) => {
    const gx = PLOT.left + c * groupWidth;
    options.series.forEach((series, s) => {
      const value = series.values[c] ?? NaN;
      if (!Number.isFinite(value)) return;
      const top = y(value);
      body.push(
        `<rect x="${(gx + groupWidth * 0.1 + s * barWidth).toFixed(1)}" y="${top.toFixed(1)}" width="${(barWidth - 1).toFixed(1)}" height="${(HEIGHT - PLOT.bottom - top).toFixed(1)}" fill="${colorOf(s)}"><title>${escapeXml(`${category} ${series.name}: ${fmt(value)}`)}</title></rect>`,
      );
    });
    body.push(
      `<text transform="translate(${(gx + groupWidth / 2).toFixed(1)} ${HEIGHT - PLOT.bottom + 12}) rotate(20)" font-size="10">${escapeXml(category)}</text>`,
    );
  });
  body.push(`<rect x="${PLOT.left}" y="${PLOT.top}" width="${right - PLOT.left}" height="${HEIGHT - PLOT.top - PLOT.bottom}" fill="none" stroke="#999"/>`);
  body.push(...legend(options.series.map((s, i) => ({ name: s.name, color: colorOf(i) }))));
  return frame(options.title, '', options.yLabel, body);
}
