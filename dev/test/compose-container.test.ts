// docker-compose.yml's definitions run for real in the test environment's Docker engine: the
// payment-service (built, started with its mounted source against the test Redis, its
// healthcheck, a saved file reloading it) and the gateway (routes read from the mounted manifests,
// errors naming the upstream). No Compose v2 and no registry here (the stores' public images cannot
// be pulled), so each definition is translated to `docker build` / `docker run`, on the host
// network instead of the compose network; mounts point at copies of the sources.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { server } from '../../packages/testkit/src/index.ts';
import { docker, extraCaBundle, type DockerEngine } from '../../packages/service-kit/src/testing-docker.ts';
import { freeTcpPort, uniqueSuffix } from '../../packages/service-kit/src/testing.ts';
import { environmentOf, loadComposeFile, type ComposeService } from '../compose-check.ts';
import { REPO_ROOT } from '../profile.ts';

const dockerHost = server('DOCKER_HOST');
const dockerCli = server('DOCKER_CLI');
const baseImage = server('BASE_IMAGE');
const redisUrl = server('REDIS_URL');
const engine: DockerEngine | undefined = dockerHost && dockerCli ? { host: dockerHost, cli: dockerCli } : undefined;
const theEngine = engine;
const compose = loadComposeFile(REPO_ROOT);
/** This run's suffix for image tags and container names. */
const RUN = uniqueSuffix();

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(50);
  }
  throw new Error(`${what}: not within ${timeoutMs / 1000}s`);
}

interface Started {
  definition: ComposeService;
  name: string;
  /** Copies the bind mounts point at, by their source in the compose file (`./dev`). */
  copies: Map<string, string>;
  startedAt: number;
  logs(): Promise<string>;
  remove(): Promise<void>;
}

/** Builds a compose service as Compose would (its build section), then `docker run`s its definition. */
async function startComposeService(engine: DockerEngine, service: string, envOverrides: Record<string, string>): Promise<Started> {
  const definition = compose.services?.[service];
  assert.ok(definition?.build?.dockerfile && definition.build.target && definition.image, `${service} has build and image`);
  assert.ok(Array.isArray(definition.command), `${service}'s command is a list`);
  const ca = extraCaBundle();
  // The compose file's tag with this run's suffix: another checkout's run builds other sources.
  const image = `${definition.image}-test-${RUN}`;
  const built = await docker(engine, [
    'build', '--network', 'host', '--target', definition.build.target,
    '--build-arg', `NODE_IMAGE=${baseImage}`, ...(ca ? ['--secret', `id=extra_ca,src=${ca}`] : []),
    '-f', join(REPO_ROOT, definition.build.dockerfile), '-t', image, join(REPO_ROOT, definition.build.context ?? '.'),
  ]);
  assert.is(built.code, 0, built.stderr.slice(-3000));

  const copiesDir = mkdtempSync(join(tmpdir(), 'compose-mounts-'));
  const copies = new Map<string, string>();
  const mountArgs = (definition.volumes ?? []).flatMap((volume, index) => {
    assert.type(volume, 'string');
    const [source, target, mode] = (volume as string).split(':');
    const copy = join(copiesDir, String(index));
    cpSync(join(REPO_ROOT, source!), copy, { recursive: true });
    copies.set(source!, copy);
    return ['-v', `${copy}:${target}${mode ? `:${mode}` : ''}`];
  });
  const env = { ...environmentOf(definition), ...envOverrides };
  const name = `devtest-compose-${service}-${RUN}`;
  await docker(engine, ['rm', '-f', name]);
  const startedAt = performance.now();
  const run = await docker(engine, [
    'run', '-d', '--name', name, '--network', 'host',
    ...(definition.working_dir ? ['-w', definition.working_dir] : []),
    ...Object.entries(env).flatMap(([key, value]) => ['-e', `${key}=${value}`]),
    ...mountArgs,
    image, ...definition.command,
  ]);
  assert.is(run.code, 0, run.stderr);
  return {
    definition,
    name,
    copies,
    startedAt,
    logs: async () => (await docker(engine, ['logs', '--tail', '30', name])).stdout,
    remove: async () => {
      await docker(engine, ['rm', '-f', name]);
      await docker(engine, ['rmi', image]);
      rmSync(copiesDir, { recursive: true, force: true });
    },
  };
}

async function withService(service: string, envOverrides: Record<string, string>, use: (started: Started) => Promise<void>): Promise<void> {
  const started = await startComposeService(engine!, service, envOverrides);
  try {
    await use(started);
  } catch (error) {
    console.log(await started.logs());
    throw error;
  } finally {
    await started.remove();
  }
}

(engine && baseImage && redisUrl ? test : test.skip)("compose's payment-service builds, starts with its mounted source, passes its healthcheck and reloads on save (docker build/run, host network)", async () => {
  const engine = theEngine!;
  const port = await freeTcpPort();
  // Its store is the test Redis (the compose network's redis-svc is not there), under keys of this run.
  const store = { REDIS_URL: redisUrl!, PAYMENT_KEY_PREFIX: `devtest-payment-${RUN}:` };
  await withService('payment-service', { PORT: String(port), ...store }, async ({ definition, name, copies, startedAt }) => {
    await until('readyz', async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined), 120_000);
    const readyMs = performance.now() - startedAt;

    // The compose healthcheck's own command, aimed at the port this run uses.
    const healthcheck = (definition.healthcheck?.test as string[]).slice(1).map((part) => part.replace(':3009/', `:${port}/`));
    assert.is((await docker(engine, ['exec', name, ...healthcheck])).code, 0, 'the healthcheck passes');

    const main = join(copies.get('./services/payment-service/src')!, 'main.ts');
    const version = `v${Date.now() % 1_000_000_000}`;
    writeFileSync(main, `process.env.SERVICE_VERSION = '${version}';\n${readFileSync(main, 'utf8')}`);
    const saved = performance.now();
    await until('the reloaded service', async () =>
      ((await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).includes(`version="${version}"`) ? true : undefined), 60_000);
    const reloadMs = performance.now() - saved;
    console.log(`\nFIGURE compose (container, tsx under node --watch): container start to ready ${(readyMs / 1000).toFixed(1)} s, save to reloaded ${Math.round(reloadMs)} ms`);
  });
});

(engine && baseImage ? test : test.skip)("compose's gateway reads the routes from the mounted manifests and names the compose upstream it cannot reach (docker build/run, host network)", async () => {
  const engine = theEngine!;
  const port = await freeTcpPort();
  await withService('gateway', { SHOPMESH_DEV_PROXY_PORT: String(port) }, async ({ name }) => {
    // Without the compose network, `auth-service` does not resolve: the gateway must say so.
    const answer = await until('the gateway', async () => {
      // (/auth/healthz is denied at the gateway: a public path.)
      const response = await fetch(`http://127.0.0.1:${port}/auth/.well-known/jwks.json`);
      return { status: response.status, body: (await response.json()) as { error: { code: string; message: string } } };
    }, 120_000);
    assert.is(answer.status, 502);
    assert.is(answer.body.error.code, 'upstream_unreachable');
    assert.match(answer.body.error.message, 'auth-service (http://auth-service:3001/.well-known/jwks.json)');
    const noRoute = await fetch(`http://127.0.0.1:${port}/payments/`);
    assert.is(noRoute.status, 404, 'payment-service is internal: no route');
    assert.match((await docker(engine, ['logs', name])).stdout, '/products/ -> / http://product-service-v1:3002 (50%), http://product-service-v2:3002 (50%)');
  });
});

test.run();
