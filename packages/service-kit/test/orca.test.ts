// ORCA load reports: the meter's windows, and the header on real responses of a Fastify
// instance whose event loop is made busy for real.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Fastify from 'fastify';
import { ORCA_HEADER, OrcaMeter, orcaHeaderValue, orcaLoadReports } from '../src/orca.ts';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

test('rps and eps are per second of the last completed window; an idle gap reads as empty', () => {
  let now = 0;
  const busy = [0.25, 0.5];
  const meter = new OrcaMeter({ windowMs: 1000, now: () => now, utilisation: () => busy.shift() ?? 0 });
  meter.finished(200);
  meter.finished(503);
  now = 999;
  assert.equal(meter.report(), { applicationUtilization: 0, rpsFractional: 0, eps: 0 });
  now = 1000;
  assert.equal(meter.report(), { applicationUtilization: 0.25, rpsFractional: 2, eps: 1 });
  meter.finished(200);
  now = 3500;
  assert.equal(meter.report(), { applicationUtilization: 0.5, rpsFractional: 0, eps: 0 });
  assert.is(orcaHeaderValue({ applicationUtilization: 0.375, rpsFractional: 12.5, eps: 0 }), 'TEXT application_utilization=0.375, rps_fractional=12.5, eps=0');
  assert.throws(() => new OrcaMeter({ windowMs: 0 }), /window must be positive/);
});

test('every response of a Fastify instance carries endpoint-load-metrics with the event loop busy fraction', async () => {
  const app = Fastify();
  orcaLoadReports(app, { windowMs: 400 });
  app.get('/work', async () => {
    const until = performance.now() + 200;
    while (performance.now() < until) {
      // Busy on purpose: the event loop is working, not waiting.
    }
    return { ok: true };
  });
  app.get('/fail', async (_request, reply) => reply.code(503).send({ error: 'unavailable' }));
  try {
    const first = await app.inject({ method: 'GET', url: '/fail' });
    assert.match(String(first.headers[ORCA_HEADER]), /^TEXT application_utilization=[\d.]+, rps_fractional=\d+(\.\d+)?, eps=\d+(\.\d+)?$/);
    await app.inject({ method: 'GET', url: '/work' });
    await sleep(250);
    const later = await app.inject({ method: 'GET', url: '/fail' });
    const header = String(later.headers[ORCA_HEADER]);
    const utilisation = Number(/application_utilization=([\d.]+)/.exec(header)?.[1]);
    assert.ok(utilisation > 0.3, header);
    // The window that closed holds the 503 and/or the work (where its edge fell depends on start-up time).
    const [, rps, eps] = /rps_fractional=([\d.]+), eps=([\d.]+)$/.exec(header) ?? [];
    assert.ok(Number(rps) >= 2.5 && Number(eps) <= Number(rps), header);
  } finally {
    await app.close();
  }
});

test.run();
