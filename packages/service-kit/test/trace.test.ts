// The request id and W3C traceparent cross service boundaries and appear in every log line of
// the request: two real services over real HTTP, the first calling the second with the kit's client.
import { Writable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Type, buildService, createHttpClient, defineService, type App } from '../src/index.ts';
import { server } from '@shopmesh/testkit';
import { orderEvent } from '../src/events.ts';
import { consumeEvents, createEventProducer, createKafka, ensureTopics } from '../src/kafka.ts';
import { eventually, listenOnFreePort, uniqueSuffix } from '../src/testing.ts';

interface Line {
  service: string;
  msg: string;
  reqId?: string;
  traceId?: string;
}

function logSink(): { stream: Writable; lines: Line[] } {
  const lines: Line[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString().split('\n')) {
        if (!text.startsWith('{')) continue;
        // Bound and mixed-in fields must not both appear: a JSON key twice is ambiguous.
        assert.ok((text.match(/"reqId"/g) ?? []).length <= 1, `one reqId in ${text}`);
        lines.push(JSON.parse(text) as Line);
      }
      callback();
    },
  });
  return { stream, lines };
}

async function startPair() {
  const received: Record<string, string | undefined>[] = [];
  const downstreamLogs = logSink();
  const downstream = await buildService(
    defineService({
      name: 'stock-service',
      port: 3999,
      config: Type.Object({}),
      setup({ app, log }) {
        app.get('/stock', async (request) => {
          received.push({ requestId: request.headers['x-request-id'] as string, traceparent: request.headers.traceparent as string, tracestate: request.headers.tracestate as string });
          log.info('looked up in the stock service'); // the app's logger, not the request's
          request.log.info('answered by the stock service');
          return { stock: 3 };
        });
      },
    }),
    { env: { LOG_LEVEL: 'debug' }, logStream: downstreamLogs.stream },
  );
  const downstreamUrl = await listenOnFreePort(downstream.app);
  const upstreamLogs = logSink();
  const upstream = await buildService(
    defineService({
      name: 'shop-service',
      port: 3998,
      config: Type.Object({}),
      setup({ app, log }) {
        const stock = createHttpClient({ name: 'stock-service', baseUrl: downstreamUrl });
        app.get('/buy', async () => {
          log.warn('buying'); // a module's logger, inside the request
          await new Promise((resolve) => setTimeout(resolve, 5)); // across an await, a timer
          return (await stock.get('/stock')).body;
        });
      },
    }),
    { env: { LOG_LEVEL: 'debug' }, logStream: upstreamLogs.stream },
  );
  const upstreamUrl = await listenOnFreePort(upstream.app);
  return {
    upstreamUrl,
    received,
    lines: () => [...upstreamLogs.lines, ...downstreamLogs.lines],
    close: async () => {
      await (upstream.app as App).close();
      await (downstream.app as App).close();
    },
  };
}

test('a caller traceparent and request id are forwarded to the next service and on every log line of the request, in both services', async () => {
  const pair = await startPair();
  try {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const answer = await fetch(`${pair.upstreamUrl}/buy`, {
      headers: { 'x-request-id': 'order-req-1', traceparent: `00-${traceId}-00f067aa0ba902b7-01`, tracestate: 'shop=1' },
    });
    assert.is(answer.status, 200);
    assert.is(answer.headers.get('x-request-id'), 'order-req-1');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(pair.received, [{ requestId: 'order-req-1', traceparent: `00-${traceId}-00f067aa0ba902b7-01`, tracestate: 'shop=1' }]);
    const lines = pair.lines().filter((line) => line.msg !== 'server listening' && !/listening/.test(line.msg));
    const messages = lines.map((line) => line.msg);
    for (const expected of ['buying', 'looked up in the stock service', 'answered by the stock service', 'request completed']) {
      assert.ok(messages.includes(expected), `${expected} logged`);
    }
    for (const line of lines) {
      assert.is(line.reqId, 'order-req-1', `${line.service}: ${line.msg}`);
      assert.is(line.traceId, traceId, `${line.service}: ${line.msg}`);
    }
  } finally {
    await pair.close();
  }
});

test('without a trace (or with a malformed one) the first service starts one and the next service joins it', async () => {
  const pair = await startPair();
  try {
    await fetch(`${pair.upstreamUrl}/buy`);
    await fetch(`${pair.upstreamUrl}/buy`, { headers: { traceparent: 'garbage' } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.is(pair.received.length, 2);
    const ids = new Set<string>();
    for (const call of pair.received) {
      const match = /^00-([0-9a-f]{32})-[0-9a-f]{16}-01$/.exec(call.traceparent ?? '');
      assert.ok(match, `a new traceparent: ${call.traceparent}`);
      ids.add(match![1]!);
      const lines = pair.lines().filter((line) => line.reqId === call.requestId);
      assert.ok(lines.length >= 4, 'both services logged under the request id');
      assert.ok(lines.every((line) => line.traceId === match![1]), 'every line of the request has its trace');
    }
    assert.is(ids.size, 2, 'one trace per request');
  } finally {
    await pair.close();
  }
});

test('outside a request nothing is added: no reqId on start-up lines, no trace headers on a call', async () => {
  const pair = await startPair();
  try {
    const { propagationHeaders } = await import('../src/trace.ts');
    assert.equal(propagationHeaders(), {});
    assert.ok(pair.lines().every((line) => line.reqId === undefined));
  } finally {
    await pair.close();
  }
});

const brokers = server('KAFKA_BROKERS');
(brokers ? test : test.skip)('an event published while handling a request carries its id and trace: the consumer logs under them (real Kafka)', async () => {
  const suffix = uniqueSuffix();
  const topic = `kit-trace-${suffix}`;
  const kafka = createKafka({ brokers: brokers!, clientId: `kit-trace-${suffix}` });
  await ensureTopics(kafka, [topic], 1);
  const producer = createEventProducer(kafka);
  const producerLogs = logSink();
  const shop = await buildService(
    defineService({
      name: 'shop-service',
      port: 3998,
      config: Type.Object({}),
      setup({ app }) {
        app.post('/orders', async () => {
          const event = orderEvent('order.created', { orderId: 'o-traced', userId: 'u1', status: 'pending', total: 1, items: [] });
          await producer.publish(topic, event, 'o-traced');
          return { eventId: event.id };
        });
      },
    }),
    { env: { LOG_LEVEL: 'silent' }, logStream: producerLogs.stream },
  );
  const consumerLogs = logSink();
  const mail = await buildService(
    defineService({
      name: 'mail-service',
      port: 3997,
      config: Type.Object({}),
      async setup(service) {
        await consumeEvents(service, {
          brokers: brokers!,
          clientId: `kit-trace-${suffix}`,
          groupId: `kit-trace-${suffix}`,
          topics: [topic],
          handle: async (event) => service.log.info({ eventId: event.id }, 'mail sent'),
        });
      },
    }),
    { env: { LOG_LEVEL: 'info' }, logStream: consumerLogs.stream },
  );
  try {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const answer = await shop.app.inject({ method: 'POST', url: '/orders', headers: { 'x-request-id': 'order-req-9', traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    assert.is(answer.statusCode, 200);
    const line = await eventually(() => {
      const found = consumerLogs.lines.find((entry) => entry.msg === 'mail sent');
      assert.ok(found, 'consumed');
      return found!;
    }, { timeoutMs: 30_000 });
    assert.equal([line.reqId, line.traceId], ['order-req-9', traceId]);
  } finally {
    await mail.app.close();
    await shop.app.close();
    await producer.close();
  }
});

test.run();
