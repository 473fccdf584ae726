// The experiment machinery: reaction times, the oracle's queueing model, the SVG writer, and
// the evaluation protocol (paired intervals, fresh seeds, frozen constants) and short real runs
// of `lab:experiment`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mmcResponseMs, oracleWeights } from '../src/experiments/oracle.ts';
import { reactionSeconds } from '../src/experiments/reaction.ts';
import { freezeProblem, readFreeze, tunedHash } from '../src/protocol/freeze.ts';
import { geomeanRatio, pairedRatio, tQuantile975 } from '../src/protocol/paired.ts';
import { drawSeeds, heldOutSeedProblems } from '../src/protocol/seeds.ts';
import { TUNED, TUNING_SEEDS } from '../src/protocol/tuned.ts';
import { SCENARIOS, scenariosOf } from '../src/scenarios/index.ts';
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

const runExperiment = (args: readonly string[]): Promise<{ stdout: string; stderr: string; code: number }> =>
  new Promise((resolvePromise) => {
    execFile(process.execPath, ['--import', 'tsx', 'lab/src/experiments/main.ts', ...args], { cwd: root, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolvePromise({ stdout, stderr, code: error ? (typeof error.code === 'number' ? error.code : 1) : 0 });
    });
  });

test('lab:experiment (held-out) draws fresh seeds, writes the reports and ends with the headline line', async () => {
  const out = mkdtempSync(join(tmpdir(), 'lab-results-'));
  try {
    const { stdout, stderr, code } = await runExperiment(['--seeds', '2', '--scenarios', 'fast-failing', '--strategies', 'static', '--steps', '25,50', '--out', out]);
    assert.is(code, 0, stderr);
    const lines = stdout.trim().split('\n');
    assert.match(
      lines[lines.length - 1] ?? '',
      /^held-out: best\/static p99 geomean=\d+\.\d\d \[\d+\.\d\d,\d+\.\d\d\], best\/least-request geomean=\d+\.\d\d \[\d+\.\d\d,\d+\.\d\d\], beats static on \d+\/1, seeds=2$/,
    );
    const recorded = JSON.parse(readFileSync(join(out, 'held-out', 'seeds.json'), 'utf8')) as { seeds: number[] };
    assert.is(recorded.seeds.length, 2);
    assert.equal(heldOutSeedProblems(recorded.seeds, TUNING_SEEDS), []);
    for (const file of ['held-out/README.md', 'held-out/fast-failing/report.md', 'held-out/fast-failing/weights.svg']) assert.ok(existsSync(join(out, file)), file);
    const summary = readFileSync(join(out, 'held-out', 'README.md'), 'utf8');
    assert.match(summary, recorded.seeds.join(', '));
    assert.match(summary, /\| 50 \(frozen\) \| \d+\.\d\d \[/);
    assert.match(summary, /\| 25 \| \d+\.\d\d \[/);
    assert.match(summary, '`ewmaLatency.decayDecisions`');

    // The verdicts follow from the figures, whichever way the fresh seeds make them come out.
    const headline = /best\/static p99 geomean=(\d+\.\d\d \[[\d.,]+\]), best\/least-request geomean=(\d+\.\d\d \[[\d.,]+\]), beats static on (\d+)\/1/.exec(lines[lines.length - 1] ?? '')!;
    const candidate = /Candidate controller: \*\*([a-z-]+)\*\*/.exec(summary)?.[1];
    assert.ok(candidate, 'the summary names the candidate controller');
    const ratios = (strategy: string): string[] => {
      const row = summary.split('\n').find((line) => line.startsWith(`| ${strategy} | `) && /\| \d+\.\d\d \[[\d.,]+\] \| \d+\.\d\d \[[\d.,]+\] \|$/.test(line));
      assert.ok(row, `a ratio row for ${strategy}`);
      return row.split('|').slice(2, 4).map((cell) => cell.trim());
    };
    assert.equal(ratios('static')[0], '1.00 [1.00,1.00]', 'static against itself, paired by seed');
    assert.equal(ratios('least-request')[1], '1.00 [1.00,1.00]', 'least-request against itself, paired by seed');
    assert.equal(ratios(candidate), [headline[1], headline[2]], 'the headline is the candidate\'s geomeans');
    const perScenario = summary.split('\n').find((line) => line.startsWith('| fast-failing | '))!.split('|')[2]!.trim();
    const beaten = Number(/\[[\d.]+,([\d.]+)\]/.exec(perScenario)?.[1]) < 1 ? 1 : 0;
    assert.is(Number(headline[3]), beaten, `beats static on ${headline[3]}/1, its interval on fast-failing being ${perScenario}`);
    const goalRows = summary.slice(summary.indexOf('## Goals')).split('\n').filter((line) => line.startsWith(`| ${candidate}: `));
    assert.ok(goalRows.length >= 3, summary);
    for (const row of goalRows) {
      const [goal = '', measured = '', verdict = ''] = row.split('|').slice(1, 4).map((cell) => cell.trim());
      assert.ok(verdict === 'met' || verdict === '**not met**', row);
      const met = verdict === 'met';
      const bound = /<= (\d+\.\d+)x/.exec(goal);
      const wins = /^(\d+)\/(\d+)/.exec(measured);
      if (bound) {
        const ratio = Number(measured.split(' ')[0]);
        // Printed to two decimals: a ratio that prints as the bound itself could round either way.
        if (Math.abs(ratio - Number(bound[1])) >= 0.005) assert.is(met, ratio <= Number(bound[1]), row);
      } else if (wins) {
        assert.is(met, wins[1] === wins[2], row);
        assert.is(Number(wins[1]), beaten, row);
      } else {
        assert.unreachable(`a goal this test cannot check: ${row}`);
      }
    }
    assert.match(summary, /\| capacity-aware \| 1\.0 \| \d+\.\d\d \| 0\.00 \|/, 'cost per run: one simulation, no probes');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('lab:experiment refuses a held-out run when the constants changed after freezing, or on reused seeds, or a tuning scenario', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lab-lock-'));
  try {
    const lock = join(dir, 'tuned.lock.json');
    writeFileSync(lock, JSON.stringify({ sha256: 'f'.repeat(64), frozenAt: '2026-01-01T00:00:00.000Z', candidatePolicy: 'x', tuningSeeds: [] }));
    const changed = await runExperiment(['--lock', lock, '--scenarios', 'fast-failing', '--out', dir]);
    assert.is(changed.code, 2);
    assert.match(changed.stderr, /held-out run refused: the constants in lab\/src\/protocol\/tuned\.ts changed after they were frozen/);
    const missing = await runExperiment(['--lock', join(dir, 'none.json'), '--scenarios', 'fast-failing', '--out', dir]);
    assert.is(missing.code, 2);
    assert.match(missing.stderr, /tuned\.lock\.json is missing/);
    const reused = await runExperiment(['--seed-list', '1,2,3', '--scenarios', 'fast-failing', '--out', dir]);
    assert.is(reused.code, 2);
    assert.match(reused.stderr, /held-out seeds 1, 2, 3 were used for tuning/);
    const tuning = await runExperiment(['--scenarios', 'degradation', '--out', dir]);
    assert.is(tuning.code, 2);
    assert.match(tuning.stderr, /degradation is in the tuning set, not held-out/);
    assert.not.ok(existsSync(join(dir, 'held-out')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the frozen lock matches the constants as committed, and any change of a value changes the hash', () => {
  assert.is(freezeProblem(readFreeze()), undefined);
  const changed = { ...TUNED, ewmaLatency: { decayDecisions: 4 } };
  assert.is.not(tunedHash(changed), tunedHash());
  assert.is(tunedHash({ ...TUNED }), tunedHash());
  assert.match(freezeProblem(readFreeze(), tunedHash(changed)) ?? '', 'changed after they were frozen');
});

test('paired ratios: t quantiles, exact geometric means, intervals that cover and narrow with pairing', () => {
  assert.is(tQuantile975(1), 12.706);
  assert.ok(Math.abs(tQuantile975(60) - 2.0003) < 2e-3, String(tQuantile975(60)));
  const same = pairedRatio([10, 20, 40], [5, 10, 20]);
  assert.ok(Math.abs(same.ratio - 2) < 1e-12 && Math.abs(same.lo - 2) < 1e-12 && Math.abs(same.hi - 2) < 1e-12);
  // Seeds differ a lot, the ratio barely: pairing keeps the interval tight.
  const paired = pairedRatio([100, 1000, 10], [50, 520, 4.9]);
  assert.ok(paired.lo > 1.8 && paired.hi < 2.2, JSON.stringify(paired));
  const noisy = pairedRatio([1, 4, 2, 0.5], [1, 1, 1, 1]);
  assert.ok(noisy.lo < 1 && noisy.hi > 1 && Math.abs(noisy.ratio - Math.pow(4, 0.25)) < 1e-12);
  // Geomean over scenarios: per-seed mean of the log ratios, then over seeds.
  const g = geomeanRatio([{ a: [2, 2], b: [1, 1] }, { a: [1, 1], b: [2, 2] }]);
  assert.ok(Math.abs(g.ratio - 1) < 1e-12);
  assert.throws(() => geomeanRatio([{ a: [1], b: [1, 2] }]), /same seeds/);
});

test('held-out seeds: drawn fresh, large, distinct, never tuning seeds; 1..N is refused', () => {
  const seeds = drawSeeds(20, TUNING_SEEDS);
  assert.is(new Set(seeds).size, 20);
  assert.equal(heldOutSeedProblems(seeds, TUNING_SEEDS), []);
  assert.is.not(drawSeeds(3).join(','), drawSeeds(3).join(','));
  assert.match(heldOutSeedProblems([9, 10], TUNING_SEEDS).join(';'), /drawn integers/);
  assert.match(heldOutSeedProblems([4_000_000], TUNING_SEEDS).join(';'), /at least 2 seeds/);
});

test('at least half of the scenarios are held out', () => {
  assert.ok(scenariosOf('held-out').length * 2 >= SCENARIOS.length, `${scenariosOf('held-out').length} of ${SCENARIOS.length}`);
});

test.run();
