// The dev gateway against real HTTP upstreams on loopback: Istio's prefix match and rewrite, the
// weighted split, and errors that name the upstream (502 refused, 504 too slow, 404 no route).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createGatewayProxy } from '../proxy.ts';
import type { Route } from '../routes.ts';

interface Upstream {
  server: Server;
  port: number;
  seen: { url: string; headers: Record<string, unknown> }[];
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** An upstream that echoes what it received; `delayMs` holds the answer back. */
async function upstream(name: string, delayMs = 0): Promise<Upstream> {
  const seen: Upstream['seen'] = [];
  const server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () =>
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ name, url: req.url, method: req.method, body }));
      }, delayMs),
    );
  });
  return { server, port: await listen(server), seen };
}

const route = (name: string, prefix: string, workloads: { name: string; weight: number }[], timeoutMs?: number): Route => ({
  name,
  prefix,
  rewrite: '/',
  ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  destinations: workloads.map((w) => ({ host: `${name}-svc`, port: 1, weight: w.weight, workloads: [w.name] })),
});

async function gateway(routes: Route[], ports: Record<string, number>, random?: () => number): Promise<{ url: string; close: () => void }> {
  const server = createGatewayProxy({
    routes,
    upstream: (workload) => `http://127.0.0.1:${ports[workload]}`,
    ...(random ? { random } : {}),
  });
  const port = await listen(server);
  return { url: `http://127.0.0.1:${port}`, close: () => server.close() };
}

test("a route with a directResponse answers by itself, before a broader prefix's service sees the request", async () => {
  const products = await upstream('products');
  const internal: Route = {
    name: 'internal',
    prefix: '/products/internal/',
    rewrite: '/products/internal/',
    destinations: [],
    directResponse: { status: 404, body: '{"error":{"code":"no_route","message":"no public route"}}' },
  };
  const gw = await gateway([internal, route('products', '/products/', [{ name: 'products', weight: 100 }])], { products: products.port });
  try {
    const blocked = await fetch(`${gw.url}/products/internal/reservations/1`, { method: 'PUT', body: '{}' });
    assert.equal([blocked.status, await blocked.json()], [404, { error: { code: 'no_route', message: 'no public route' } }]);
    assert.is((await fetch(`${gw.url}/products/42`)).status, 200);
    assert.equal(products.seen.map((request) => request.url), ['/42'], 'the internal path never reached the service');
  } finally {
    gw.close();
    products.server.close();
  }
});

test('a request is routed by its prefix, which is rewritten to / (path rest and query kept)', async () => {
  const auth = await upstream('auth');
  const orders = await upstream('orders');
  const gw = await gateway([route('auth', '/auth/', [{ name: 'auth', weight: 100 }]), route('orders', '/orders/', [{ name: 'orders', weight: 100 }])], {
    auth: auth.port,
    orders: orders.port,
  });
  try {
    const login = await fetch(`${gw.url}/auth/login?next=%2Fcart`, { method: 'POST', body: '{"email":"a@b"}', headers: { 'content-type': 'application/json' } });
    assert.is(login.status, 200);
    assert.is(login.headers.get('x-shopmesh-upstream'), 'auth');
    assert.equal(await login.json(), { name: 'auth', url: '/login?next=%2Fcart', method: 'POST', body: '{"email":"a@b"}' });
    const list = await fetch(`${gw.url}/orders/`);
    assert.is(((await list.json()) as { url: string }).url, '/');
    assert.ok(auth.seen[0]!.headers['x-forwarded-for'], 'the upstream learns the client address');
    assert.is(orders.seen.length, 1);
  } finally {
    gw.close();
    auth.server.close();
    orders.server.close();
  }
});

test('a path that matches no prefix is a 404 listing the routes (the prefix needs its slash, as in Istio)', async () => {
  const auth = await upstream('auth');
  const gw = await gateway([route('auth', '/auth/', [{ name: 'auth', weight: 100 }])], { auth: auth.port });
  try {
    for (const path of ['/nothing', '/auth']) {
      const response = await fetch(`${gw.url}${path}`);
      assert.is(response.status, 404, path);
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.is(body.error.code, 'no_route');
      assert.match(body.error.message, '/auth/');
    }
    assert.is(auth.seen.length, 0);
  } finally {
    gw.close();
    auth.server.close();
  }
});

test('a weighted route splits traffic by its weights', async () => {
  const v1 = await upstream('v1');
  const v2 = await upstream('v2');
  // A fixed sequence of draws: weights 80/20 send draws below 0.8 to v1.
  const draws = [0.1, 0.5, 0.79, 0.81, 0.95, 0.3, 0.0, 0.99, 0.6, 0.7];
  let next = 0;
  const gw = await gateway([route('products', '/products/', [{ name: 'v1', weight: 80 }, { name: 'v2', weight: 20 }])], { v1: v1.port, v2: v2.port }, () => draws[next++ % draws.length]!);
  try {
    const served: string[] = [];
    for (let i = 0; i < draws.length; i++) served.push((await fetch(`${gw.url}/products/${i}`)).headers.get('x-shopmesh-upstream')!);
    assert.equal(served, ['v1', 'v1', 'v1', 'v2', 'v2', 'v1', 'v1', 'v2', 'v1', 'v1']);
    assert.equal(v2.seen.map((s) => s.url), ['/3', '/4', '/7']);
  } finally {
    gw.close();
    v1.server.close();
    v2.server.close();
  }
});

test('an upstream that refuses connections gives a 502 naming it and its address', async () => {
  const gone = await upstream('gone');
  const port = gone.port;
  await new Promise((resolve) => gone.server.close(resolve));
  const gw = await gateway([route('cart', '/cart/', [{ name: 'cart-service', weight: 100 }])], { 'cart-service': port });
  try {
    const response = await fetch(`${gw.url}/cart/items`);
    assert.is(response.status, 502);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.is(body.error.code, 'upstream_unreachable');
    assert.match(body.error.message, `cart-service (http://127.0.0.1:${port}/items)`);
    assert.match(body.error.message, 'refused');
  } finally {
    gw.close();
  }
});

test("an upstream slower than the route's timeout gives a 504 naming it; a fast one on the same gateway answers", async () => {
  const slow = await upstream('slow', 1_000);
  const fast = await upstream('fast');
  const gw = await gateway(
    [route('search', '/search/', [{ name: 'search-service', weight: 100 }], 200), route('stats', '/stats/', [{ name: 'stats-service', weight: 100 }], 200)],
    { 'search-service': slow.port, 'stats-service': fast.port },
  );
  try {
    const started = performance.now();
    const response = await fetch(`${gw.url}/search/?q=x`);
    const elapsed = performance.now() - started;
    assert.is(response.status, 504);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.is(body.error.code, 'upstream_timeout');
    assert.match(body.error.message, 'search-service');
    assert.ok(elapsed < 900, `answered after ${Math.round(elapsed)} ms, before the upstream would have`);
    assert.is((await fetch(`${gw.url}/stats/sales`)).status, 200);
  } finally {
    gw.close();
    slow.server.close();
    fast.server.close();
  }
});

test('a route table given as a function is asked at every request: new weights apply at once; each proxied answer is reported', async () => {
  const v1 = await upstream('v1');
  const v2 = await upstream('v2');
  let table = [route('products', '/products/', [{ name: 'v1', weight: 100 }, { name: 'v2', weight: 0 }])];
  const seen: string[] = [];
  const server = createGatewayProxy({
    routes: () => table,
    upstream: (workload) => `http://127.0.0.1:${workload === 'v1' ? v1.port : v2.port}`,
    onProxied: (r) => seen.push(`${r.route.name} ${r.workload} ${r.statusCode} ${r.durationMs >= 0}`),
  });
  const port = await listen(server);
  try {
    for (let i = 0; i < 5; i++) await (await fetch(`http://127.0.0.1:${port}/products/x`)).text();
    table = [route('products', '/products/', [{ name: 'v1', weight: 0 }, { name: 'v2', weight: 100 }])];
    for (let i = 0; i < 5; i++) await (await fetch(`http://127.0.0.1:${port}/products/x`)).text();
    assert.is(v1.seen.length, 5);
    assert.is(v2.seen.length, 5);
    assert.equal(seen, [...Array(5).fill('products v1 200 true'), ...Array(5).fill('products v2 200 true')]);
  } finally {
    server.close();
    v1.server.close();
    v2.server.close();
  }
});

test.run();
