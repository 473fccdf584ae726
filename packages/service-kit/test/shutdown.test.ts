// Graceful shutdown of a real process: SIGTERM lets the in-flight request finish, refuses new
// connections, runs the close hooks after, and exits 0. A bad configuration exits 1 naming it.
import { freeTcpPort } from '../src/testing.ts';
import { startSlowService as start, waitForHealth } from './fixtures/slow-service-process.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

test('SIGTERM: the in-flight request completes, new connections are refused, hooks run, exit 0', async () => {
  const port = await freeTcpPort();
  const url = `http://127.0.0.1:${port}`;
  const service = start({ PORT: String(port), HOST: '127.0.0.1', SLOW_MS: '800' });
  await waitForHealth(url);

  // Handled where it is created: a failure becomes a status the assertion below reports.
  const inFlight = fetch(`${url}/slow`).then(
    (response) => ({ status: response.status, at: Date.now() }),
    (error: Error) => ({ status: `failed: ${error.message}`, at: Date.now() }),
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  service.child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 200));
  const lateRequest = await fetch(`${url}/healthz`).then(
    (response) => `answered ${response.status}`,
    (error: Error) => `refused: ${error.message}`,
  );

  const finished = await inFlight;
  const code = await service.exited;
  assert.is(finished.status, 200, 'the in-flight request got its answer');
  assert.ok(lateRequest.startsWith('refused') || lateRequest === 'answered 503', lateRequest);
  assert.is(code, 0);
  const lines = service
    .output()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { msg: string });
  const messages = lines.map((line) => line.msg);
  assert.ok(messages.includes('shutting down'), messages.join(' | '));
  assert.ok(messages.indexOf('pools closed') > messages.indexOf('shutting down'));
});

test('a malformed variable stops the process with status 1 and a message naming it', async () => {
  const service = start({ PORT: 'not-a-port', SLOW_MS: 'slow' });
  const code = await service.exited;
  assert.is(code, 1);
  const line = JSON.parse(service.output().trim()) as { msg: string; problems: string[]; service: string };
  assert.is(line.service, 'slow-service');
  assert.ok(line.msg.includes('PORT') && line.msg.includes('SLOW_MS'), line.msg);
  assert.is(line.problems.length, 2);
});

test.run();
