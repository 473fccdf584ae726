// The fault setting (FAULT_FILE): slots and a queue, delays, fast and slow errors, changed while
// the service runs, on a real kit service listening on a port.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type, buildService, defineService } from '../src/index.ts';
import { drawServiceTime, parseFaultSetting, SlotGate, type FaultSetting } from '../src/fault.ts';
import { listenOnFreePort } from '../src/testing.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const echo = defineService({
  name: 'fault-echo',
  port: 3999,
  config: Type.Object({}),
  setup: ({ app }) => void app.get('/', async () => ({ ok: true })),
});

/** Writes the setting atomically (a reader never sees half a file). */
function writeSetting(file: string, setting: Partial<FaultSetting> | string): void {
  writeFileSync(`${file}.tmp`, typeof setting === 'string' ? setting : JSON.stringify(setting));
  renameSync(`${file}.tmp`, file);
}

async function timed(url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
}

test('settings are checked field by field; defaults are no fault', () => {
  assert.equal(parseFaultSetting('{}'), { delayMs: 0, slots: 0, queueLimit: 1_000_000, errorPercent: 0, slowErrorPercent: 0 });
  assert.throws(() => parseFaultSetting('{"slots": -1, "errorPercent": 120}'), /\/slots: .*; \/errorPercent: /);
  assert.throws(() => parseFaultSetting('{"delay": 5}'), /delay/);
  assert.throws(() => parseFaultSetting('not json'), /not JSON/);
});

test('service-time shapes keep their mean', () => {
  let state = 7;
  const random = (): number => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (const shape of [{ kind: 'exponential' }, { kind: 'lognormal', sigma: 0.5 }, { kind: 'pareto', alpha: 3 }, { kind: 'bimodal', slowProbability: 0.1, slowFactor: 10 }] as const) {
    let sum = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) sum += drawServiceTime(20, shape, random);
    assert.ok(Math.abs(sum / n - 20) < 0.8, `${shape.kind}: mean ${sum / n}`);
  }
  assert.is(drawServiceTime(20, { kind: 'fixed' }), 20);
});

test('the gate serves `slots` at once, queues up to the limit, refuses beyond, grows while running', async () => {
  const gate = new SlotGate({ slots: 2, queueLimit: 1 });
  const a = await gate.acquire();
  const b = await gate.acquire();
  let thirdServed = false;
  const third = gate.acquire().then((release) => ((thirdServed = true), release));
  assert.is(await gate.acquire(), undefined, 'the queue holds one');
  await sleep(5);
  assert.is(thirdServed, false);
  a?.();
  a?.(); // a second release of the same slot changes nothing
  const release = await third;
  assert.ok(release);
  assert.is(gate.inService, 2);
  const fourth = gate.acquire();
  gate.resize({ slots: 3, queueLimit: 1 });
  assert.ok(await fourth);
  assert.is(gate.inService, 3);
  b?.();
  release?.();
  assert.is(gate.inService, 1);
});

test('a running service follows its fault file: slots and delay, then fast errors, then a bad file keeps the last setting', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fault-'));
  const file = join(dir, 'fault.json');
  writeSetting(file, { delayMs: 200, serviceTime: { kind: 'fixed' }, slots: 2, queueLimit: 1 });
  const { app } = await buildService(echo, { env: { FAULT_FILE: file, LOG_LEVEL: 'silent' } });
  const url = await listenOnFreePort(app);
  try {
    // 2 served at once, 1 waiting (its answer after two service times), the 4th refused at once.
    const answers = await Promise.all([0, 1, 2, 3].map(async (i) => (await sleep(i * 20), timed(url))));
    const sorted = [...answers].sort((x, y) => x.ms - y.ms);
    assert.equal(answers.map((a) => a.status).sort(), [200, 200, 200, 503]);
    assert.ok(sorted[0]!.ms < 100 && sorted[0]!.status === 503, JSON.stringify(answers));
    assert.ok(sorted[3]!.ms >= 340, JSON.stringify(answers)); // sent at 40 ms, served from 200 to 400 ms
    assert.is((await fetch(`${url}/healthz`)).status, 200, 'health is never delayed or failed');

    writeSetting(file, { errorPercent: 100 });
    await sleep(400);
    const failed = await timed(url);
    assert.is(failed.status, 503);
    assert.ok(failed.ms < 100);

    writeSetting(file, '{"slots": "many"}');
    await sleep(400);
    assert.is((await timed(url)).status, 503, 'a bad file keeps the setting in force');

    writeSetting(file, { slowErrorPercent: 100, delayMs: 150, serviceTime: { kind: 'fixed' } });
    await sleep(400);
    const slow = await timed(url);
    assert.is(slow.status, 503);
    assert.ok(slow.ms >= 140, `slow error after its service time (${slow.ms} ms)`);

    writeSetting(file, {});
    await sleep(400);
    assert.is((await timed(url)).status, 200);
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
