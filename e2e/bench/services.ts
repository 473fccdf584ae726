// `npm run bench:services`: the shop's services as their images run them (bundled `main`, the
// manifests' environment, LOG_LEVEL included) on the test environment's servers, loaded with
// autocannon on loopback, side by side in one run:
//   - idle resident memory of every service process;
//   - catalogue reads (a filtered page, then a product by id) on product-service v1 then v2, the
//     same connections and duration, alternated over short rounds so that the noise of a shared
//     machine falls on both alike; the ratio is the median of the rounds' v2/v1 ratios;
//   - catalogue latency at a fixed 1,000 requests/s on each version;
//   - checkout (put an item in the cart at cart-service, place the order at order-service: cart,
//     product, order and payment services all at work; payment-service with the manifests' latency);
// and, as its last line, `v2/v1 catalogue throughput: X.XX`.
// Knobs: BENCH_ROUNDS (5) of BENCH_ROUND_SECONDS (4) per version for throughput, BENCH_DURATION_SECONDS
// (10) for the fixed-rate and checkout runs, BENCH_CONNECTIONS (10), BENCH_PRODUCTS (1000),
// BENCH_LOG_LEVEL (the manifests' level).
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pLimit from 'p-limit';
import { server } from '../../packages/testkit/src/index.ts';
import { apiClient, eventually, expectStatus, type Api } from '../lib/api.ts';
import { bundleServices } from '../lib/bundle.ts';
import { residentMemoryMiB } from '../lib/service-process.ts';
import { planShop, startShop, uniquePrefix, type Shop } from '../lib/shop.ts';
import { closedLoop, combineRounds, figuresOf, percentile, printFigures, printTable, runLoad, type LoadFigures } from './load.ts';

const GOALS = { v2OverV1: 3, p99AtFixedRateMs: 20, fixedRate: 1_000, idleRssMiB: 120 };
const REDIS_DB = 15; // the bench's own; the tests use 0, 14 and one of 1-12 leased per run (dev loop test), the inner loop 13
const CATEGORIES = ['lighting', 'home', 'kitchen', 'garden', 'books', 'toys', 'sports', 'audio', 'office', 'travel'];
const PAGE_SIZE = 20;

function integerSetting(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}=${raw}: expected a positive integer`);
  return value;
}

const settings = {
  durationSeconds: integerSetting('BENCH_DURATION_SECONDS', 10),
  connections: integerSetting('BENCH_CONNECTIONS', 10),
  rounds: integerSetting('BENCH_ROUNDS', 5),
  roundSeconds: integerSetting('BENCH_ROUND_SECONDS', 4),
  products: integerSetting('BENCH_PRODUCTS', 1_000),
  logLevel: process.env.BENCH_LOG_LEVEL || undefined,
};

interface Product {
  id: string;
  category: string;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

async function seedCatalogue(productService: string, adminToken: string, count: number): Promise<Product[]> {
  const api = apiClient(productService);
  const limit = pLimit(8);
  return Promise.all(
    Array.from({ length: count }, (_, index) =>
      limit(async () => {
        const category = CATEGORIES[index % CATEGORIES.length]!;
        const body = {
          name: `Bench product ${index}`,
          description: `A ${category} item for the benchmark, number ${index}`,
          price: 100 + Math.floor(Math.random() * 99_900),
          category,
          stock: 1_000_000,
        };
        const product = expectStatus(await api<Product>('POST', '/', { token: adminToken, body }), 201, 'seed product');
        return { id: product.id, category };
      }),
    ),
  );
}

/** Waits until search-service has indexed the catalogue, so that indexing does not run during the measurements. */
async function waitForIndexing(shop: Shop, count: number): Promise<void> {
  const env = shop.workloads.find((w) => w.app === 'search-service')!.env;
  const url = `${env.ELASTICSEARCH_URL!.replace(/\/$/, '')}/${env.ELASTICSEARCH_INDEX}/_count`;
  await eventually(
    'search-service indexing the catalogue',
    async () => {
      const response = await fetch(url);
      const indexed = response.ok ? ((await response.json()) as { count: number }).count : 0;
      return indexed >= count ? { done: true, value: indexed } : { done: false, seen: `${indexed} indexed` };
    },
    180_000,
  );
}

/** A filtered catalogue page, then a product by id, chosen at random from the seeded catalogue. */
function catalogueRequests(products: readonly Product[]) {
  const pages = Math.ceil(products.length / CATEGORIES.length / PAGE_SIZE);
  return [
    {
      method: 'GET' as const,
      setupRequest: (request: object) => ({
        ...request,
        path: `/?page=${1 + Math.floor(Math.random() * pages)}&limit=${PAGE_SIZE}&category=${pick(CATEGORIES)}`,
      }),
    },
    { method: 'GET' as const, setupRequest: (request: object) => ({ ...request, path: `/${pick(products).id}` }) },
  ];
}

async function catalogueLoad(url: string, products: readonly Product[], options: { durationSeconds: number; overallRate?: number }) {
  return runLoad({
    url,
    connections: settings.connections,
    duration: options.durationSeconds,
    requests: catalogueRequests(products),
    ...(options.overallRate ? { overallRate: options.overallRate } : {}),
  });
}

interface Customer {
  token: string;
}

async function newCustomers(api: Api, count: number): Promise<Customer[]> {
  const limit = pLimit(4);
  return Promise.all(
    Array.from({ length: count }, () =>
      limit(async () => {
        const email = `bench-${randomUUID()}@shop.test`;
        const password = 'bench-customer-password';
        expectStatus(await api('POST', '/auth/register', { body: { email, password, name: 'Bench customer' } }), 201, 'register');
        const { accessToken } = expectStatus(await api<{ accessToken: string }>('POST', '/auth/login', { body: { email, password } }), 200, 'login');
        return { token: accessToken };
      }),
    ),
  );
}

/** One kind of request of a closed loop: its latencies and failed answers. */
class Step {
  readonly latencies: number[] = [];
  failures = 0;
  constructor(readonly name: string) {}

  async run(call: () => Promise<Response>, expected: number): Promise<boolean> {
    const started = performance.now();
    try {
      const response = await call();
      await response.arrayBuffer();
      if (response.status !== expected) {
        this.failures++;
        return false;
      }
      this.latencies.push(performance.now() - started);
      return true;
    } catch {
      this.failures++;
      return false;
    }
  }

  figures(durationSeconds: number): LoadFigures {
    return {
      name: this.name,
      requestsPerSecond: this.latencies.length / durationSeconds,
      p50Ms: percentile(this.latencies, 50),
      p99Ms: percentile(this.latencies, 99),
      failures: this.failures,
    };
  }
}

/**
 * Checkout, each connection a customer: put an item in the cart at cart-service, then place the
 * order at order-service (which reads the cart, re-prices at product-service, charges at
 * payment-service, stores the order and empties the cart). A closed loop of fetch calls, as the
 * two steps go to two services.
 */
async function checkoutLoad(shop: Shop, customers: Customer[], products: readonly Product[], durationSeconds: number) {
  const cart = new Step('PUT cart-service /items/:id');
  const order = new Step('POST order-service / (placed and paid)');
  const cartUrl = shop.url('cart-service');
  const orderUrl = shop.url('order-service');
  const duration = await closedLoop(customers, durationSeconds, async (customer) => {
    const authorization = `Bearer ${customer.token}`;
    const filled = await cart.run(
      () =>
        fetch(`${cartUrl}/items/${pick(products).id}`, {
          method: 'PUT',
          headers: { authorization, 'content-type': 'application/json' },
          body: JSON.stringify({ quantity: 1 }),
        }),
      200,
    );
    if (!filled) return;
    await order.run(() => fetch(`${orderUrl}/`, { method: 'POST', headers: { authorization, 'idempotency-key': randomUUID() } }), 201);
  });
  return { cart: cart.figures(duration), order: order.figures(duration) };
}

function memoryOf(shop: Shop): Map<string, number> {
  return new Map([...shop.processes].map(([name, process]) => [name, residentMemoryMiB(process.pid)]));
}

async function main(): Promise<void> {
  const servers = {
    POSTGRES_URL: server('POSTGRES_URL'),
    REDIS_URL: server('REDIS_URL'),
    KAFKA_BROKERS: server('KAFKA_BROKERS'),
    ELASTICSEARCH_URL: server('ELASTICSEARCH_URL'),
  };
  const { POSTGRES_URL, REDIS_URL, KAFKA_BROKERS, ELASTICSEARCH_URL } = servers;
  if (!POSTGRES_URL || !REDIS_URL || !KAFKA_BROKERS || !ELASTICSEARCH_URL) {
    throw new Error('the benchmark needs PostgreSQL, Redis, Kafka and Elasticsearch: run testenv/up');
  }
  console.log(
    `bench:services — ${settings.connections} connections; throughput over ${settings.rounds} rounds of ${settings.roundSeconds} s per version, ` +
      `${settings.durationSeconds} s per other run, ` +
      `${settings.products} products; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on this machine`,
  );

  const plan = await planShop({
    servers: { POSTGRES_URL, REDIS_URL, KAFKA_BROKERS, ELASTICSEARCH_URL },
    prefix: uniquePrefix('bench'),
    redisDb: REDIS_DB,
    ...(settings.logLevel ? { logLevel: settings.logLevel } : {}),
    // Every customer of the checkout registers and logs in from 127.0.0.1 within a minute.
    env: { 'auth-service': { LOGIN_RATE_LIMIT_PER_MINUTE: '10000', REGISTER_RATE_LIMIT_PER_MINUTE: '10000' } },
  });
  const cacheDb = new Redis(plan.workloads.find((w) => w.name === 'product-service-v2')!.env.REDIS_URL!);
  await cacheDb.flushdb(); // a previous run's cached pages must not serve this run's catalogue
  cacheDb.disconnect();
  const runner = await bundleServices(plan.workloads.map((w) => w.app));
  const shop = await startShop(plan, runner);

  let ratio = Number.NaN;
  let completed = false;
  const verdicts: string[] = [];
  try {
    const v1 = shop.url('product-service-v1');
    const v2 = shop.url('product-service-v2');
    const cacheTtl = shop.workloads.find((w) => w.name === 'product-service-v2')!.env.PRODUCT_CACHE_TTL_SECONDS;
    const logLevels = [...new Set(shop.workloads.map((w) => w.env.LOG_LEVEL))].join(', ');
    console.log(`services started from bundles (LOG_LEVEL ${logLevels}; v2 cache TTL ${cacheTtl} s); logs in ${shop.logDir}`);

    await sleep(10_000);
    const idle = memoryOf(shop);
    const api = apiClient(shop.gatewayUrl);
    const adminToken = expectStatus(await api<{ accessToken: string }>('POST', '/auth/login', { body: shop.admin }), 200, 'admin login').accessToken;

    const seedStarted = performance.now();
    const products = await seedCatalogue(v1, adminToken, settings.products);
    await waitForIndexing(shop, products.length);
    console.log(`seeded ${products.length} products through v1 and indexed them in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

    // Catalogue throughput: warm up both, then alternate v1 and v2 so that a noisy neighbour hurts both alike.
    for (const url of [v1, v2]) await catalogueLoad(url, products, { durationSeconds: 3 });
    const rounds: Record<'v1' | 'v2', LoadFigures[]> = { v1: [], v2: [] };
    for (let round = 0; round < settings.rounds; round++) {
      for (const [version, url] of [['v1', v1], ['v2', v2]] as const) {
        rounds[version].push(figuresOf(version, await catalogueLoad(url, products, { durationSeconds: settings.roundSeconds })));
      }
    }
    const pairedRatios = rounds.v1.map((v1Round, index) => rounds.v2[index]!.requestsPerSecond / v1Round.requestsPerSecond);
    const catalogue = {
      v1: combineRounds('product-service v1 (PostgreSQL)', rounds.v1),
      v2: combineRounds('product-service v2 (Redis cache)', rounds.v2),
    };
    printFigures(
      `catalogue reads, GET /?page&limit=${PAGE_SIZE}&category then GET /:id, ${settings.connections} connections, max throughput (mean of ${settings.rounds} rounds, worst p99)`,
      [catalogue.v1, catalogue.v2],
    );
    ratio = percentile(pairedRatios, 50);
    console.log(
      `  v2/v1 per round (v1 then v2 back to back): ${pairedRatios.map((r) => r.toFixed(2)).join(', ')}; median ${ratio.toFixed(2)}`,
    );

    const fixedRate = [];
    for (const [version, url] of [['product-service v1', v1], ['product-service v2', v2]] as const) {
      const result = await catalogueLoad(url, products, { durationSeconds: settings.durationSeconds, overallRate: GOALS.fixedRate });
      fixedRate.push(figuresOf(version, result));
    }
    // The floor: the same rate on a route that does no work, in the same process; what this
    // machine's scheduling alone adds to the tail.
    const floor = figuresOf(
      'floor: v2 GET /healthz (no work)',
      await runLoad({ url: `${v2}/healthz`, connections: settings.connections, duration: settings.durationSeconds, overallRate: GOALS.fixedRate }),
    );
    printFigures(`catalogue reads at a fixed ${GOALS.fixedRate} requests/s`, [...fixedRate, floor]);

    const customers = await newCustomers(api, settings.connections);
    await checkoutLoad(shop, customers, products, 3); // warm-up
    const checkout = await checkoutLoad(shop, customers, products, settings.durationSeconds);
    const paymentLatency = shop.workloads.find((w) => w.app === 'payment-service')!.env.PAYMENT_LATENCY_MS ?? '0';
    printFigures(
      `checkout, ${settings.connections} customers at once (payment-service latency ${paymentLatency} ms, as in the manifests)`,
      [checkout.cart, checkout.order],
    );

    await sleep(5_000);
    const afterLoad = memoryOf(shop);
    printTable(
      'resident memory (VmRSS) of each service process',
      ['process', 'idle MiB', 'after load MiB'],
      [...idle].map(([name, mib]) => [name, mib.toFixed(1), (afterLoad.get(name) ?? Number.NaN).toFixed(1)]),
    );

    const worstIdle = Math.max(...idle.values());
    const worstFixedP99 = Math.max(...fixedRate.map((f) => f.p99Ms));
    verdicts.push(
      `goal v2 >= ${GOALS.v2OverV1}x v1 on catalogue reads: ${ratio >= GOALS.v2OverV1 ? 'met' : 'NOT met'} (${ratio.toFixed(2)}x)`,
      `goal catalogue p99 < ${GOALS.p99AtFixedRateMs} ms at ${GOALS.fixedRate} req/s: ${worstFixedP99 < GOALS.p99AtFixedRateMs ? 'met' : 'NOT met'} ` +
        `(worst ${worstFixedP99.toFixed(1)} ms; a route doing nothing: ${floor.p99Ms.toFixed(1)} ms)`,
      `goal every service < ${GOALS.idleRssMiB} MiB resident when idle: ${worstIdle < GOALS.idleRssMiB ? 'met' : 'NOT met'} (largest ${worstIdle.toFixed(1)} MiB)`,
    );
    const failures = [catalogue.v1, catalogue.v2, ...fixedRate, checkout.order].reduce((sum, f) => sum + f.failures, 0);
    if (failures > 0) verdicts.push(`WARNING: ${failures} failed requests in the measurements; see the logs in ${shop.logDir}`);
    completed = failures === 0;
  } finally {
    await shop.stop({ keepLogs: !completed });
  }
  console.log('');
  for (const verdict of verdicts) console.log(verdict);
  console.log(`v2/v1 catalogue throughput: ${ratio.toFixed(2)}`);
}

await main();
