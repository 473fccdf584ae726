// The inner loop's gateway (dev/proxy.ts, the route table read from k8s/istio) in front of a real
// service built with the kit: an over-limit body, the prefix without its slash, and the paths the
// gateway keeps to itself.
import { request as httpRequest, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildService, defineService, Type, type App } from '../../packages/service-kit/src/index.ts';
import { createGatewayProxy } from '../proxy.ts';
import { loadTopology, type Route } from '../routes.ts';
import { REPO_ROOT } from '../../ci/test/fixtures.ts';

interface Answer {
  status: number;
  body: string;
  socket: unknown;
}

/** One request on `agent` (one kept-alive socket), with the socket it used. */
function send(agent: Agent, url: string, method: string, body?: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, agent, headers: body ? { 'content-type': 'application/json', 'content-length': body.length } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), socket: req.socket }));
      res.on('error', reject);
    });
    // The service answers before the body is sent: a write error then is the client's side of
    // that race, and the answer (or its absence) is what the test judges.
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(Object.assign(new Error('no answer in 10 s'), { code: 'CLIENT_TIMEOUT' })));
    req.end(body);
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A kit service (64 KiB body limit) standing for product-service behind the real route table. */
async function kitService(): Promise<{ app: App; port: number; reached: string[] }> {
  const reached: string[] = [];
  const definition = defineService({
    name: 'edge-test-service',
    port: 3999,
    config: Type.Object({}),
    setup({ app }) {
      app.addHook('onResponse', async (request) => void reached.push(request.url));
      app.get('/', async () => ({ items: [], listed: true }));
      app.post('/', async (_request, reply) => reply.status(201).send({ created: true }));
      app.get('/:id', async (request) => ({ id: (request.params as { id: string }).id }));
    },
  });
  const { app } = await buildService(definition, { env: { LOG_LEVEL: 'silent' } });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, port: (app.server.address() as AddressInfo).port, reached };
}

async function gatewayInFrontOf(port: number): Promise<{ url: string; routes: Route[]; close: () => void }> {
  const { routes } = await loadTopology(REPO_ROOT);
  const server = createGatewayProxy({ routes, upstream: () => `http://127.0.0.1:${port}` });
  const gatewayPort = await listen(server);
  return { url: `http://127.0.0.1:${gatewayPort}`, routes, close: () => server.close() };
}

test('a 3 MB body to POST /products/ through the inner loop gateway: 413 with the uniform error body every time, and the next request on the same kept-alive connection answers (60 tries)', async () => {
  const service = await kitService();
  const gateway = await gatewayInFrontOf(service.port);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const big = Buffer.alloc(3 * 1024 * 1024, 'a');
  const outcomes: string[] = [];
  try {
    for (let i = 0; i < Number(process.env.EDGE_TRIES ?? 60); i++) {
      const tooLarge = await send(agent, `${gateway.url}/products/`, 'POST', big).then(
        (answer) => answer,
        (error: NodeJS.ErrnoException) => ({ status: -1, body: error.code ?? error.message, socket: undefined }),
      );
      const next = await send(agent, `${gateway.url}/products/42`, 'GET').then(
        (answer) => answer,
        (error: NodeJS.ErrnoException) => ({ status: -1, body: error.code ?? error.message, socket: undefined }),
      );
      let code = '';
      try {
        code = (JSON.parse(tooLarge.body) as { error?: { code?: string } }).error?.code ?? '';
      } catch {
        code = tooLarge.body.slice(0, 60);
      }
      if (process.env.EDGE_DEBUG) console.log(i, tooLarge.status, code, next.status, next.body.slice(0, 50));
      outcomes.push(`${tooLarge.status} ${code} / ${next.status}${next.status === -1 ? ` ${next.body}` : ''}`);
    }
    const bad = outcomes.filter((outcome) => outcome !== '413 payload_too_large / 200');
    assert.equal(bad, [], `${bad.length} of ${outcomes.length} tries went wrong`);
  } finally {
    agent.destroy();
    gateway.close();
    await service.app.close();
  }
});

test('GET /products without its slash answers as /products/ does (query kept), through the real route table', async () => {
  const service = await kitService();
  const gateway = await gatewayInFrontOf(service.port);
  try {
    for (const path of ['/products', '/products?page=2', '/products/']) {
      const response = await fetch(`${gateway.url}${path}`);
      assert.is(response.status, 200, path);
      assert.equal(await response.json(), { items: [], listed: true }, path);
    }
  } finally {
    gateway.close();
    await service.app.close();
  }
});

test('/<prefix>/metrics, /readyz and /healthz are denied at the gateway (403, uniform body) and never reach the service', async () => {
  const service = await kitService();
  const gateway = await gatewayInFrontOf(service.port);
  try {
    for (const prefix of gateway.routes.map((r) => r.prefix)) {
      for (const path of ['metrics', 'readyz', 'healthz', 'readyz?full=1']) {
        const response = await fetch(`${gateway.url}${prefix}${path}`);
        assert.is(response.status, 403, `${prefix}${path}`);
        const body = (await response.json()) as { error: { code: string; message: string } };
        assert.is(body.error.code, 'forbidden');
      }
    }
    assert.is((await fetch(`${gateway.url}/products/42`)).status, 200, 'other paths still pass');
    assert.equal(service.reached, ['/42']);
  } finally {
    gateway.close();
    await service.app.close();
  }
});

test.run();
