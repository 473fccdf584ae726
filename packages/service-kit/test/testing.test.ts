// The testing helpers themselves: polling, JSON calls against a real local server, proxies by URL.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { callJson, eventually, startTcpProxy } from '../src/testing.ts';
import { startLocalServer, type LocalServer } from './fixtures/http-server.ts';

let peer: LocalServer;
let baseUrl: string;
test.before(async () => {
  peer = await startLocalServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      if (request.url === '/empty') return void response.writeHead(204).end();
      response.writeHead(200, { 'content-type': 'application/json', 'x-seen': 'yes' });
      response.end(JSON.stringify({ method: request.method, auth: request.headers.authorization ?? null, type: request.headers['content-type'] ?? null, text }));
    });
  });
  baseUrl = peer.url;
});
test.after(() => peer.close());

test('eventually returns the first passing result; at the deadline it rethrows the last failure', async () => {
  let attempts = 0;
  const value = await eventually(() => {
    attempts++;
    if (attempts < 3) throw new Error(`not yet (${attempts})`);
    return 'done';
  }, { intervalMs: 5 });
  assert.equal([value, attempts], ['done', 3]);
  let calls = 0;
  const failure = await eventually(() => {
    calls++;
    throw new Error(`still failing (${calls})`);
  }, { timeoutMs: 50, intervalMs: 10 }).then(() => undefined, (error: Error) => error.message);
  assert.is(failure, `still failing (${calls})`);
  assert.ok(calls > 1);
});

test('callJson sends JSON with the token, or raw text; parses the answer; an empty answer has no body', async () => {
  const sent = await callJson(baseUrl, 'POST', '/x', { body: { a: 1 }, token: 't0k' });
  assert.equal([sent.status, sent.body], [200, { method: 'POST', auth: 'Bearer t0k', type: 'application/json', text: '{"a":1}' }]);
  assert.is(sent.headers.get('x-seen'), 'yes');
  const raw = await callJson(baseUrl, 'PUT', '/x', { raw: '{"broken": ', headers: { 'x-extra': '1' } });
  assert.is(raw.body.text, '{"broken": ');
  const empty = await callJson(baseUrl, 'DELETE', '/empty');
  assert.equal([empty.status, empty.body], [204, undefined]);
});

test('startTcpProxy takes the server URL; cut refuses connections, restore accepts them again', async () => {
  const proxy = await startTcpProxy(baseUrl);
  try {
    const through = proxy.via(baseUrl);
    assert.is((await callJson(through, 'GET', '/x')).status, 200);
    await proxy.cut();
    assert.ok(await callJson(through, 'GET', '/x').then(() => false, () => true), 'refused while cut');
    await proxy.restore();
    assert.is((await callJson(through, 'GET', '/x')).status, 200);
  } finally {
    await proxy.close();
  }
  const noPort = await startTcpProxy('amqp://queue.test/').then(() => 'started', (error: Error) => error.message);
  assert.match(noPort, 'no port');
});

test('startTcpProxy reject closes each connection unanswered and counts them; restore serves again', async () => {
  const proxy = await startTcpProxy(baseUrl);
  try {
    const through = proxy.via(baseUrl);
    await proxy.reject();
    for (let i = 0; i < 3; i++) assert.ok(await callJson(through, 'GET', '/x').then(() => false, () => true), 'no answer while rejecting');
    assert.is(proxy.rejected, 3);
    await proxy.restore();
    assert.is((await callJson(through, 'GET', '/x')).status, 200);
    assert.is(proxy.rejected, 3, 'served connections are not counted');
  } finally {
    await proxy.close();
  }
});

test.run();
