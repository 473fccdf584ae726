// The experiment machinery: reaction times, the oracle's queueing model, the SVG writer, and
// one short real run of `lab:experiment` (files written, headline as the last line).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { mmcResponseMs, oracleWeights } from '../src/experiments/oracle.ts';
import { reactionSeconds } from '../src/experiments/reaction.ts';
import { barChart, lineChart, linearTicks } from '../src/experiments/svg.ts';
import type { ControlView } from '../src/simulator/model.ts';

const root = join(import.meta.dirname, '..', '..');

test('reaction: seconds until the weight moved 10 points the right way; null when it never did', () => {
  const weights = [...Array(100).fill(50), 50, 48, 45, 41, 39, 30, ...Array(20).fill(30)];
  assert.is(reactionSeconds(weights, { atSeconds: 100, subset: 'v2', direction: 'away', label: '' }), 4);
  assert.is(reactionSeconds(weights, { atSeconds: 100, subset: 'v2', direction: 'toward', label: '' }), null);
  assert.is(reactionSeconds(weights, { atSeconds: 100, subset: 'v2', direction: 'away', label: '' }, 103), null);
});

test('M/M/c response times match the closed forms', () => {
  // M/M/1: 1 / (mu - lambda) with mu = 1/10 ms, lambda = 1/20 ms.
  assert.ok(Math.abs(mmcResponseMs(1 / 20, 10, 1) - 20) < 1e-9);
  // M/M/2 with load 1: Erlang C = 1/3, W = 1/3 * 1/(2 - 1) + 1.
  assert.ok(Math.abs(mmcResponseMs(1, 1, 2) - 4 / 3) < 1e-9);
  assert.is(mmcResponseMs(0.2, 10, 2), Infinity);
});

test('the oracle gives a degraded subset less, keeps the floor, and sums to 100', () => {
  const view = (v2ServiceMs: number): ControlView => ({
    nowSeconds: 0,
    observations: [],
    current: { v1: 50, v2: 50 },
    truth: {
      arrivalRatePerSecond: 400,
      subsets: [
        { name: 'v1', concurrency: 2, queueLimit: 64, errorProbability: 0, podMeanServiceMs: [20, 20, 20, 20] },
        { name: 'v2', concurrency: 2, queueLimit: 64, errorProbability: 0, podMeanServiceMs: Array(4).fill(v2ServiceMs) },
      ],
    },
  });
  const even = oracleWeights(view(20), 5);
  assert.ok(Math.abs((even.v1 as number) - 50) <= 1, JSON.stringify(even));
  const degraded = oracleWeights(view(80), 5);
  assert.ok((degraded.v2 as number) < 30 && (degraded.v2 as number) >= 5, JSON.stringify(degraded));
  assert.is((degraded.v1 as number) + (degraded.v2 as number), 100);
});

test('SVG charts are well formed, one path per series, text escaped', () => {
  const svg = lineChart({
    title: 'weights <v2> & more',
    xLabel: 's',
    yLabel: '%',
    series: [
      { name: 'a', points: [[0, 1], [1, 2]] },
      { name: 'b', points: [[0, 3], [1, 1]], dashed: true },
    ],
    markers: [{ x: 0.5, label: 'change' }],
  });
  assert.ok(svg.startsWith('<svg') && svg.trim().endsWith('</svg>'));
  assert.is((svg.match(/<path /g) ?? []).length, 2);
  assert.match(svg, 'weights &lt;v2&gt; &amp; more');
  const bars = barChart({ title: 'p', yLabel: 'ms', yLog: true, categories: ['x', 'y'], series: [{ name: 'p99', values: [10, 1000] }] });
  assert.is((bars.match(/<rect x=/g) ?? []).length, 2 + 1);
  assert.equal(linearTicks(0, 100), [0, 20, 40, 60, 80, 100]);
});

test('lab:experiment writes the reports and ends with the headline line', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lab-results-'));
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'lab/src/experiments/main.ts', '--seeds', '1', '--scenarios', 'degradation,fast-failing', '--out', out],
      { cwd: root, maxBuffer: 16 * 1024 * 1024 },
    );
    const lines = stdout.trim().split('\n');
    assert.match(lines[lines.length - 1] ?? '', /^best p99 vs static: \d+\.\d\d, vs least-request: \d+\.\d\d$/);
    for (const file of ['README.md', 'degradation/report.md', 'degradation/weights.svg', 'degradation/latency-over-time.svg', 'degradation/percentiles.svg', 'fast-failing/report.md']) {
      assert.ok(existsSync(join(out, file)), file);
    }
    const report = readFileSync(join(out, 'degradation', 'report.md'), 'utf8');
    assert.match(report, '| least-request | baseline |');
    assert.match(report, '| oracle | baseline |');
    assert.match(report, 'reaction: v2 4x slower');
    assert.match(readFileSync(join(out, 'README.md'), 'utf8'), /p99 <= 0\.9x least-request \| \d+\.\d\d \| (met|\*\*not met\*\*)/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test.run();
