// One access line per request, at a level that says whether anyone should look at it: a fast
// success is debug (silent at info), a slow one warn, a 5xx error. A real process, real HTTP.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freeTcpPort } from '../src/testing.ts';
import { startSlowService, waitForHealth } from './fixtures/slow-service-process.ts';

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  req?: { url: string };
  res?: { statusCode: number };
}

const PINO_LEVEL = { debug: 20, warn: 40, error: 50 } as const;

async function accessLines(level: string, requests: string[]): Promise<LogLine[]> {
  const port = await freeTcpPort();
  const url = `http://127.0.0.1:${port}`;
  const service = startSlowService({ PORT: String(port), HOST: '127.0.0.1', SLOW_MS: '1100', LOG_LEVEL: level });
  try {
    await waitForHealth(url);
    for (const path of requests) await fetch(`${url}${path}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  } finally {
    service.child.kill('SIGTERM');
    await service.exited;
  }
  return service
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
    .filter((line) => line.req !== undefined && line.res !== undefined);
}

test('at info: a fast success writes nothing, a slow one a warning, a 5xx an error, each with its reqId', async () => {
  const lines = await accessLines('info', ['/healthz', '/slow', '/fail']);
  assert.is(lines.filter((line) => line.req?.url === '/healthz').length, 0, 'fast success is silent at info');
  const slow = lines.find((line) => line.req?.url === '/slow');
  assert.is(slow?.level, PINO_LEVEL.warn);
  assert.is(slow?.msg, 'slow request');
  const failed = lines.find((line) => line.req?.url === '/fail');
  assert.is(failed?.level, PINO_LEVEL.error);
  assert.is(failed?.res?.statusCode, 500);
  assert.ok(failed?.reqId, 'the line carries the request id');
});

test('at debug: every request has exactly one access line', async () => {
  const lines = await accessLines('debug', ['/healthz?n=1', '/healthz?n=2']);
  const health = lines.filter((line) => line.req?.url.startsWith('/healthz?n='));
  assert.is(health.length, 2);
  assert.ok(health.every((line) => line.level === PINO_LEVEL.debug && line.msg === 'request completed'));
});

test.run();
