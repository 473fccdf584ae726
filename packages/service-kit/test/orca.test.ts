// ORCA load reports: the meter's arithmetic on a controlled clock, and the header on real
// responses of a Fastify instance.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import Fastify from 'fastify';
import { ORCA_HEADER, OrcaMeter, orcaHeaderValue, orcaLoadReports } from '../src/orca.ts';

test('utilisation is time-averaged in-flight over capacity; rps and eps are per second of the last window', () => {
  let now = 0;
  const meter = new OrcaMeter({ capacity: 4, windowMs: 1000, now: () => now });
  meter.started();
  meter.started();
  now = 500;
  meter.finished(200);
  now = 1000;
  meter.finished(503);
  now = 1200;
  // Window [0, 1000): 2 in flight for 500 ms, 1 for 500 ms = 1500 request-ms over 4 x 1000.
  const report = meter.report();
  assert.ok(Math.abs(report.applicationUtilization - 0.375) < 1e-12, String(report.applicationUtilization));
  assert.is(report.rpsFractional, 1);
  assert.is(report.eps, 0);
  now = 2500;
  // Window [1000, 2000): the 503 at 1000 ms counted; nothing in flight.
  assert.equal(meter.report(), { applicationUtilization: 0, rpsFractional: 1, eps: 1 });
  assert.is(orcaHeaderValue({ applicationUtilization: 0.375, rpsFractional: 12.5, eps: 0 }), 'TEXT application_utilization=0.375, rps_fractional=12.5, eps=0');
  assert.throws(() => new OrcaMeter({ capacity: 0 }), /capacity must be positive/);
});

test('every response of a Fastify instance carries endpoint-load-metrics, errors included', async () => {
  const app = Fastify();
  let now = 0;
  orcaLoadReports(app, { capacity: 2, now: () => now });
  app.get('/ok', async () => ({ ok: true }));
  app.get('/fail', async (_request, reply) => reply.code(503).send({ error: 'unavailable' }));
  try {
    const first = await app.inject({ method: 'GET', url: '/ok' });
    assert.match(String(first.headers[ORCA_HEADER]), /^TEXT application_utilization=0, rps_fractional=0, eps=0$/);
    await app.inject({ method: 'GET', url: '/fail' });
    now = 1500;
    const later = await app.inject({ method: 'GET', url: '/ok' });
    assert.is(later.statusCode, 200);
    assert.match(String(later.headers[ORCA_HEADER]), /rps_fractional=2, eps=1$/);
  } finally {
    await app.close();
  }
});

test.run();
